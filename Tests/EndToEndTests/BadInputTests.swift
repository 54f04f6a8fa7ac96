import DurableWire
import NIOCore
import Proxies
import Testing

/// Bad input from one client gets that client a clear error and disturbs nobody else.
@Suite(.serialized)
struct BadInputTests {
    /// A session id or a name that a journal could not store (PostgreSQL's text holds no NUL; an
    /// empty id reads back as "no caller") is refused to its client, and fails nobody else's commit.
    @Test func sessionIDsAndNamesThatNoJournalStoresAreRefused() async throws {
        let manager = try await ManagerFixture.start()
        for session in ["", "a\u{0}b", String(repeating: "s", count: 257)] {
            let raw = try RawConnection(path: manager.folder + "/manager.sock")
            guard case .reply(0, .failure(let refusal)) = try raw.handshake(authkey: try manager.authkey(), session: session) else {
                Issue.record("session id \(session.debugDescription.prefix(20)) was welcomed")
                continue
            }
            #expect(refusal.code == .protocolError && refusal.message.contains("session id"), "\(refusal)")
        }
        let client = try await manager.connect()
        await #expect(throws: ManagerError.self) { _ = try await client.dict("bad\u{0}name", keys: String.self, values: Int.self) }
        // The rest goes on.
        try await client.dict("good", keys: String.self, values: Int.self).set("k", 1)
        await client.shutdown()
        await manager.stop()
    }

    @Test func malformedFramesGetAProtocolErrorAndTheConnectionGoesOn() async throws {
        let manager = try await ManagerFixture.start()
        let raw = try RawConnection(path: manager.folder + "/manager.sock")
        guard case .welcome = try raw.handshake(authkey: try manager.authkey()) else {
            Issue.record("no welcome")
            return
        }
        // A body that is no message at all.
        try raw.sendRaw([0, 0, 0, 3, 0xEE, 0xFF, 0x00])
        guard case .reply(0, .failure(let garbage)) = try raw.readMessage() else { Issue.record("no error for garbage"); return }
        #expect(garbage.code == .protocolError)

        // A request whose arguments are cut short: answered under its own id.
        var body = ByteBuffer()
        WireMessage.request(Request(id: 41, target: 0, method: "ping", arguments: ["x"])).write(to: &body)
        let truncated = Array(body.readableBytesView.dropLast(1))
        try raw.sendRaw(Array(withUnsafeBytes(of: UInt32(truncated.count).bigEndian, Array.init)) + truncated)
        guard case .reply(41, .failure(let cut)) = try raw.readMessage() else { Issue.record("no error for request 41"); return }
        #expect(cut.code == .protocolError)

        // A value nested deeper than the limit.
        var nested: Value = 1
        for _ in 0..<100 { nested = .array([nested]) }
        try raw.send(.request(Request(id: 42, target: 0, method: "ping", arguments: [nested])))
        guard case .reply(42, .failure(let deep)) = try raw.readMessage() else { Issue.record("no error for request 42"); return }
        #expect(deep.message.contains("nested deeper"))

        // The same connection still works.
        try raw.send(.request(Request(id: 43, target: 0, method: "ping", arguments: [])))
        guard case .reply(43, .success) = try raw.readMessage() else { Issue.record("ping failed after bad frames"); return }
        await manager.stop()
    }

    @Test func anOversizedFrameClosesOnlyThatConnection() async throws {
        let manager = try await ManagerFixture.start(extraArguments: ["--max-frame-size", "1024"])
        let bystander = try await manager.connect()
        let shared: DictProxy<String, Int> = try await bystander.dict("shared")
        try await shared.set("before", 1)

        let raw = try RawConnection(path: manager.folder + "/manager.sock")
        _ = try raw.handshake(authkey: try manager.authkey())
        try raw.sendRaw([0, 1, 0, 0] + [UInt8](repeating: 4, count: 16))
        guard case .reply(0, .failure(let error)) = try raw.readMessage() else { Issue.record("no error for the oversized frame"); return }
        #expect(error.code == .protocolError)
        #expect(error.message.contains("over the limit of 1024"))
        #expect(try raw.readMessage() == nil)

        // A client that sends too much through the real library gets the same error.
        let big = String(repeating: "x", count: 4096)
        await #expect {
            try await shared.set("big", big.count)
            let other: DictProxy<String, String> = try await bystander.dict("other")
            try await other.set("big", big)
        } throws: { ($0 as? ManagerError)?.code == .protocolError }

        let fresh = try await manager.connect()
        let again: DictProxy<String, Int> = try await fresh.dict("shared")
        #expect(try await again["before"] == 1)
        await fresh.shutdown()
        await manager.stop()
    }

    @Test func unknownObjectsMethodsAndWrongArgumentsAreTypedErrors() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let connection = client.connection
        await #expect { _ = try await connection.call(12345, "get", []) } throws: { ($0 as? ManagerError)?.code == .unknownObject }
        let queue: QueueProxy<Int> = try await client.queue("q")
        await #expect { _ = try await queue.handle.callMethod("__dict__", []) } throws: { error in
            guard let error = error as? ManagerError else { return false }
            return error.code == .notExposed && error.message.contains("__dict__") && error.message.contains("Queue")
        }
        await #expect { _ = try await queue.handle.callMethod("put", []) } throws: { ($0 as? ManagerError)?.code == .wrongType }
        await #expect { _ = try await queue.handle.callMethod("get", ["yes", "soon"]) } throws: { ($0 as? ManagerError)?.code == .wrongType }
        await #expect { let _: DictProxy<String, Int> = try await client.dict("q") } throws: { ($0 as? ManagerError)?.code == .typeMismatch }
        // A value of the wrong type for the proxy's Element is a TypeError on the client, as every
        // proxy error is a ManagerError.
        try await queue.handle.call("put", "not a number")
        await #expect { _ = try await queue.get() } throws: { ($0 as? ManagerError)?.code == .wrongType }
        // Nothing else was disturbed.
        try await queue.put(5)
        #expect(try await queue.get() == 5)
        await client.shutdown()
        await manager.stop()
    }
}
