// Issue 10: nobody unauthenticated costs the manager anything, and no client can grow its memory
// without bound. A test for every attack in the issue's table, against a real manager process:
// the attack, then the manager's memory (from /proc) still small, its other clients served, and
// nothing acknowledged lost. The bounds are generous, as this machine is slow and shared, and
// still far below what the manager took before the fix (the figures are in each test).
import DurableWire
import Foundation
import NIOCore
import Testing

@Suite(.serialized)
struct HostilePeersTests {
    /// How long a call may take that a working manager answers in milliseconds.
    private static let prompt = Duration.seconds(2)
    private static let mebibyte = 1 << 20

    // MARK: Peers that have not logged in

    @Test func largeFramesFromPeersThatHaveNotLoggedInAreCutOffBeforeTheyCostMemory() async throws {
        try await withManagerProcess { manager in
            let raw = try manager.rawConnection()
            let dict = try raw.create("dict", name: "d")
            #expect(try raw.call(dict, "__setitem__", ["k", "v"]).isSuccess)
            let before = try ProcessUsage(pid: manager.pid)
            // Before the fix the manager buffered each whole frame: 2.4 GB for a few such peers,
            // and its other clients waited 3-12 s.
            let frame = RawConnection.frame(body: [UInt8](repeating: 0x41, count: 60 * Self.mebibyte))
            let socket = manager.folder + "/manager.sock"
            var sent: [Int] = []
            var slowest = Duration.zero
            try await withThrowingTaskGroup(of: (sent: Int?, slowest: Duration?).self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        // The write fails once the manager closes the connection: that is the point.
                        let peer = try RawConnection(path: socket)
                        return (await peer.sendWhileAccepted(frame), nil)
                    }
                }
                // Another client, served all along: the peers are cut off within milliseconds,
                // the stalls were seconds long.
                group.addTask {
                    let client = try manager.rawConnection()
                    let started = ContinuousClock.now
                    var slowest = Duration.zero
                    while ContinuousClock.now - started < .seconds(2) {
                        let asked = ContinuousClock.now
                        #expect(try client.call(dict, "__getitem__", ["k"]) == .success("v"))
                        slowest = max(slowest, ContinuousClock.now - asked)
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    return (nil, slowest)
                }
                for try await result in group {
                    if let bytes = result.sent { sent.append(bytes) }
                    if let time = result.slowest { slowest = time }
                }
            }
            let after = try ProcessUsage(pid: manager.pid)
            print("4 peers sending 60 MiB frames before logging in: each got \(sent.map(\.mebibytes)) in; manager RSS \(before.resident.mebibytes) -> peak \(after.peakResident.mebibytes); slowest bystander call \(slowest)")
            #expect(sent.count == 4)
            // What the socket buffers hold, not the frame: the manager closed at its length.
            #expect(sent.allSatisfy { $0 < 4 * Self.mebibyte }, "\(sent)")
            #expect(after.peakResident - before.resident < 100 * Self.mebibyte)
            #expect(slowest < Self.prompt)
            try expectServing(manager)
        }
    }

    @Test func wrongAuthkeyGuessesAreLockedOutForDoublingTimesAndLoggedRarely() async throws {
        try await withManagerProcess(captureStandardError: true) { manager in
            let bystander = try manager.rawConnection()
            let socket = manager.folder + "/manager.sock"
            let wrongKey = Authkey.random()
            // When each guess the manager checked was answered; the other guesses were refused
            // unchecked, by the lockout.
            var checked: [ContinuousClock.Instant] = []
            var lockedOut = 0
            var slowest = Duration.zero
            let started = ContinuousClock.now
            // As fast as one client can, until the manager has checked 8 guesses: 5 free, then
            // one after each lockout of 1 s and 2 s. Before the fix it checked 6,500 a second.
            while checked.count < 8 || lockedOut + checked.count < 100, ContinuousClock.now - started < .seconds(30) {
                let guess = try RawConnection(path: socket)
                guard case .reply(0, .failure(let refusal)) = try guess.handshake(authkey: wrongKey) else {
                    Issue.record("a wrong authkey was not refused")
                    return
                }
                #expect(refusal.code == .authenticationFailed)
                if refusal.message.contains("too many failed logins") {
                    lockedOut += 1
                } else {
                    #expect(refusal.message.contains("authkey does not match"), "\(refusal.message)")
                    checked.append(.now)
                }
                if (lockedOut + checked.count).isMultiple(of: 50) {
                    let asked = ContinuousClock.now
                    #expect(try bystander.call(0, "ping").isSuccess)
                    slowest = max(slowest, ContinuousClock.now - asked)
                }
            }
            let elapsed = ContinuousClock.now - started
            let guessesPerSecond = Double(checked.count) / (elapsed / .seconds(1))
            print("wrong-authkey logins: \(lockedOut + checked.count) in \(elapsed), \(checked.count) checked (\(guessesPerSecond) guesses/s), \(lockedOut) refused by the lockout; slowest bystander call \(slowest)")
            try #require(checked.count == 8, "the manager checked \(checked.count) guesses")
            #expect(lockedOut >= 92)
            #expect(guessesPerSecond < 5)
            // Each lockout doubles: the 7th guess waited at least 1 s after the 6th, the 8th 2 s after the 7th.
            let waits = [checked[6] - checked[5], checked[7] - checked[6]]
            #expect(waits[0] > .milliseconds(900) && waits[1] > .milliseconds(1800) && waits[1] > waits[0], "\(waits)")
            #expect(slowest < Self.prompt)

            let logged = manager.process.standardErrorLines().filter { $0.contains("wrong authkey") }
            #expect(!logged.isEmpty)
            #expect(logged.count <= Int(elapsed.components.seconds) / 10 + 1, "\(logged)")

            // The address is locked out, the right key included, until the lockout ends.
            let early = try RawConnection(path: socket)
            guard case .reply(0, .failure(let refusal)) = try early.handshake(authkey: try manager.authkey()) else {
                Issue.record("the right authkey was welcomed during the lockout")
                return
            }
            #expect(refusal.code == .authenticationFailed)
            let seconds = refusal.message.firstMatch(of: /refused for (\d+) s more/).flatMap { Int($0.1) }
            let wait = try #require(seconds, "\(refusal.message)")
            #expect(wait <= 4, "the 8th failure locks out for 4 s")
            try await Task.sleep(for: .seconds(wait))
            let welcomed = try manager.rawConnection()
            #expect(try welcomed.call(0, "ping").isSuccess)
        }
    }

    // MARK: Clients that have logged in

    @Test func aClientThatNeverReadsItsRepliesStopsBeingReadAndCostsBoundedMemory() async throws {
        try await withManagerProcess { manager in
            let bystander = try manager.rawConnection()
            let dict = try bystander.create("dict", name: "d")
            let text = Value.string(String(repeating: "x", count: 1024))
            #expect(try bystander.call(dict, "__setitem__", ["k", text]).isSuccess)
            var calls: [UInt8] = []
            for id in 1...200_000 {
                calls += RawConnection.frame(.request(Request(id: UInt64(id), target: dict, method: "__getitem__", arguments: ["k"])))
            }
            let before = try ProcessUsage(pid: manager.pid)
            let reader = try manager.rawConnection()
            // Before the fix the manager read all of them and kept every reply: 3.9 GB.
            let sent = await reader.sendWhileAccepted(calls, stall: .seconds(3))
            try await Task.sleep(for: .seconds(1))
            let after = try ProcessUsage(pid: manager.pid)
            let asked = ContinuousClock.now
            #expect(try bystander.call(dict, "__getitem__", ["k"]) == .success(text))
            let took = ContinuousClock.now - asked
            print("a client that never reads: \(sent) of \(calls.count) bytes of calls taken; manager RSS \(before.resident.mebibytes) -> \(after.resident.mebibytes), peak \(after.peakResident.mebibytes); bystander call \(took)")
            #expect(sent < calls.count / 2, "the manager went on reading")
            #expect(after.peakResident - before.resident < 200 * Self.mebibyte)
            #expect(took < Self.prompt)
            reader.disconnect()
            try expectServing(manager)
        }
    }

    @Test func aFrameOfMillionsOfNullsIsRefusedWithinSixteenTimesItsSizeInMemory() async throws {
        try await withManagerProcess { manager in
            let raw = try manager.rawConnection()
            let list = try raw.create("list", name: "l")
            // `append` with one array of nulls: a null is one byte on the wire (tag 0) and a
            // 32-byte Value decoded. The request is written with an empty array, whose count (the
            // last byte) becomes the number of nulls, which follow. 17 MiB of them: the 16 times
            // the frame that decoding may take hold a little more than 2^23 Values, the worst case
            // for an array that doubles its capacity as it grows (the issue's 59 MiB frame takes
            // 20 s to decode in a debug build).
            let nulls = 17 * Self.mebibyte
            var body = ByteBuffer()
            WireMessage.request(Request(id: 100, target: list, method: "append", arguments: [.array([])])).write(to: &body)
            try #require(Array(body.readableBytesView.suffix(2)) == [7, 0])
            body.moveWriterIndex(to: body.writerIndex - 1)
            body.writeVarint(UInt64(nulls))
            body.writeRepeatingByte(0, count: nulls)
            let frame = RawConnection.frame(body: Array(body.readableBytesView))
            let before = try ProcessUsage(pid: manager.pid)
            let started = ContinuousClock.now
            #expect(await raw.sendWhileAccepted(frame) == frame.count)
            // Decoding in a debug build takes longer than a read waits.
            #expect(raw.isReadable(within: .seconds(120)))
            let result = try raw.reply(to: 100)
            let took = ContinuousClock.now - started
            let after = try ProcessUsage(pid: manager.pid)
            let growth = after.peakResident - before.resident
            print("a \(frame.count.mebibytes) frame of nulls: \(result.errorCode?.name ?? "accepted") in \(took); manager RSS \(before.resident.mebibytes) -> peak \(after.peakResident.mebibytes), grew \(Double(growth) / Double(frame.count))x the frame")
            #expect(result.errorCode == .protocolError)
            #expect(result.errorMessage?.contains("bytes of memory") == true, "\(result)")
            // 16 times the frame for the values, and room for the frame itself, which the
            // manager buffers whole (twice while its buffer grows), and for the allocator.
            #expect(growth < 18 * frame.count + 32 * Self.mebibyte, "grew \(growth.mebibytes)")
            // The frame was read to its end: the connection goes on.
            #expect(try raw.call(list, "append", [.null]).isSuccess)
            #expect(try raw.call(list, "__len__") == .success(1))
            try expectServing(manager)
        }
    }

    @Test func callsThatWouldMakeAValueLargerThanMaxValueSizeAreMemoryErrorsAndChangeNothing() async throws {
        let limit = Self.mebibyte
        try await withManagerProcess(extraArguments: ["--max-value-size", "\(limit)"]) { manager in
            let raw = try manager.rawConnection()
            func item(_ index: Int) -> Value {
                .string(String(repeating: Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(index))), count: 100_000))
            }
            var acknowledged = (0..<5).map(item)
            let list = try raw.create("list", name: "l", arguments: [.array(acknowledged)])
            // 500 MB: refused before it is built.
            let product = try raw.call(list, "__mul__", [1000])
            #expect(product.errorCode == .memoryError)
            #expect(product.errorCode?.name == "MemoryError")
            #expect(product.errorMessage?.contains("--max-value-size") == true, "\(product)")
            #expect(try raw.call(list, "__imul__", [1000]).errorCode == .memoryError)
            #expect(try raw.call(list, "__len__") == .success(5))
            // Appends succeed until the one that would make the list weigh more than the limit.
            for index in 5..<20 {
                let result = try raw.call(list, "append", [item(index)])
                if Value.array(acknowledged + [item(index)]).encodedSize > limit {
                    #expect(result.errorCode == .memoryError, "append #\(index): \(result)")
                    break
                }
                #expect(result.isSuccess, "append #\(index): \(result)")
                acknowledged.append(item(index))
            }
            #expect(acknowledged.count == 10)
            try expectServing(manager)
            // A checkpoint never met a state over the limit, so both restarts read back what was acknowledged.
            try await expectAcrossRestarts(manager) { raw, when throws in
                #expect(try raw.call(list, "copy") == .success(.array(acknowledged)), "\(when)")
            }
        }
    }

    @Test func aMaxValueSizeAJournalCannotStoreIsAUsageError() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let serve = try await DurablectlRun.run([
            "serve", "--listen", "unix:\(folder)/manager.sock", "--journal", folder + "/manager.sqlite", "--max-value-size", "2000000000",
        ], home: folder)
        #expect(serve.status == 64, "\(serve.summary)")
        #expect(serve.standardError.contains("--max-value-size"), "\(serve.summary)")
    }

    // MARK: Limits on connections

    @Test func outOfFileDescriptorsTheManagerPausesAcceptingAndWarnsInsteadOfSpinning() async throws {
        try await withManagerProcess(captureStandardError: true, launcher: ["/usr/bin/prlimit", "--nofile=48:48"]) { manager in
            let socket = manager.folder + "/manager.sock"
            let authkey = try manager.authkey()
            var served: [RawConnection] = []
            var waiting: [RawConnection] = []
            // Connections the manager accepts get their challenge at once and log in; the first
            // that gets nothing waits in the listen backlog because accepting it failed.
            while waiting.isEmpty, served.count < 100 {
                let connection = try RawConnection(path: socket)
                if connection.isReadable(within: .seconds(3)) {
                    guard case .welcome = try connection.handshake(authkey: authkey) else { throw FixtureError("no welcome") }
                    served.append(connection)
                } else {
                    waiting.append(connection)
                }
            }
            try #require(!waiting.isEmpty, "the manager accepted 100 connections with 48 file descriptors")
            for _ in 0..<20 { waiting.append(try RawConnection(path: socket)) }
            let warning = await manager.process.standardErrorLine(containing: "out of file descriptors")
            #expect(warning != nil, "no warning that accepting fails")

            // Before the fix the manager retried at once, forever: 35-86% of a core.
            let before = try ProcessUsage(pid: manager.pid)
            let started = ContinuousClock.now
            try await Task.sleep(for: .seconds(3))
            let after = try ProcessUsage(pid: manager.pid)
            let share = (after.cpuTime - before.cpuTime) / (ContinuousClock.now - started)
            print("out of file descriptors with \(served.count) clients served and \(waiting.count) waiting: the manager used \(Int(share * 100))% of a core")
            // Intermittent only because a busy machine may give the spinning loop less than 30%.
            #expect(share < 0.3)
            for connection in served {
                #expect(try connection.call(0, "ping").isSuccess)
            }
            let warnings = manager.process.standardErrorLines().filter { $0.contains("out of file descriptors") }
            #expect((1...3).contains(warnings.count), "\(warnings)")

            served.removeAll()
            waiting.removeAll()
            try expectServing(manager)
        }
    }

    @Test func aConnectionOverMaxConnectionsIsToldSoAndClosedAndTheOthersGoOn() async throws {
        try await withManagerProcess(extraArguments: ["--max-connections", "3"], captureStandardError: true) { manager in
            var clients = try (0..<3).map { _ in try manager.rawConnection() }
            let extra = try RawConnection(path: manager.folder + "/manager.sock")
            guard case .reply(0, .failure(let refusal)) = try extra.readMessage() else {
                Issue.record("the 4th connection was not refused first thing")
                return
            }
            #expect(refusal.code == .tooManyConnections)
            #expect(refusal.code.name == "TooManyConnections")
            #expect(try extra.readMessage() == nil, "the refused connection stays open")
            for client in clients {
                #expect(try client.call(0, "ping").isSuccess)
            }
            #expect(await manager.process.standardErrorLine(containing: "the manager serves --max-connections 3 already") != nil)

            clients.removeFirst().disconnect()
            // Its place is free once the manager has seen it close.
            let deadline = ContinuousClock.now + .seconds(10)
            var next: RawConnection?
            while next == nil, ContinuousClock.now < deadline {
                next = try? manager.rawConnection()
                if next == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let newcomer = try #require(next, "no connection was accepted after one closed")
            #expect(try newcomer.call(0, "ping").isSuccess)
            for client in clients {
                #expect(try client.call(0, "ping").isSuccess)
            }
        }
    }

    // MARK: Authkey files

    @Test(arguments: BadAuthkeyFile.all)
    func anAuthkeyFileOthersCanReadOrTooShortIsRefusedByServeAndPing(_ file: BadAuthkeyFile) async throws {
        try await withManagerProcess { manager in
            let path = manager.folder + "/bad-authkey"
            // The manager's own key when the length is right, so only the file's mode can be wrong.
            let key = try file.length == 32 ? manager.authkey().bytes : Array(repeating: 7, count: file.length)
            try writeAuthkey(key, to: path, mode: file.mode)

            let serveFolder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: serveFolder) }
            let serve = try await DurablectlRun.run([
                "serve", "--listen", "unix:\(serveFolder)/manager.sock", "--authkey-file", path, "--journal", serveFolder + "/manager.sqlite",
            ], home: serveFolder)
            #expect(serve.status != 0, "\(serve.summary)")
            #expect(serve.standardError.contains(path) && serve.standardError.contains(file.advice), "\(serve.summary)")
            #expect(serve.standardError.hasPrefix("durablectl: ") && serve.standardError.split(separator: "\n").count == 1, "\(serve.summary)")
            #expect(!FileManager.default.fileExists(atPath: serveFolder + "/manager.sqlite"), "a refused serve made a journal")

            let ping = try await DurablectlRun.run(["ping", "--connect", "\(manager.address)", "--authkey-file", path], home: manager.folder)
            ping.expectError(65, containing: path)
            #expect(ping.standardError.contains(file.advice), "\(ping.summary)")
        }
    }

    @Test func authkeyFilesOfMode600And640Work() async throws {
        try await withManagerProcess { manager in
            // `serve` made the key with mode 0600.
            let ping = ["ping", "--connect", "\(manager.address)", "--authkey-file", manager.authkeyPath]
            var status = stat()
            #expect(stat(manager.authkeyPath, &status) == 0 && status.st_mode & 0o777 == 0o600)
            let private600 = try await DurablectlRun.run(ping, home: manager.folder)
            #expect(private600.status == 0, "\(private600.summary)")

            #expect(await manager.terminate() == 0)
            #expect(chmod(manager.authkeyPath, 0o640) == 0)
            try await manager.restart()
            let group640 = try await DurablectlRun.run(ping, home: manager.folder)
            #expect(group640.status == 0, "\(group640.summary)")
        }
    }
}

/// An authkey file that `serve` and every client refuse, and what their message tells to do.
struct BadAuthkeyFile: Sendable, CustomTestStringConvertible {
    let mode: mode_t
    let length: Int
    let advice: String

    var testDescription: String { "mode \(String(mode, radix: 8)), \(length) bytes" }

    static let all = [
        BadAuthkeyFile(mode: 0o644, length: 32, advice: "chmod 600"),
        BadAuthkeyFile(mode: 0o666, length: 32, advice: "chmod 600"),
        BadAuthkeyFile(mode: 0o600, length: 1, advice: "at least 16"),
        BadAuthkeyFile(mode: 0o600, length: 15, advice: "at least 16"),
    ]
}

/// Writes `key` to `path` with exactly `mode`, whatever the umask.
private func writeAuthkey(_ key: [UInt8], to path: String, mode: mode_t) throws {
    guard FileManager.default.createFile(atPath: path, contents: Data(key)), chmod(path, mode) == 0 else {
        throw FixtureError("cannot write \(path)")
    }
}

/// A new empty folder under the temporary directory.
private func temporaryFolder() throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dm-e2e-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}
