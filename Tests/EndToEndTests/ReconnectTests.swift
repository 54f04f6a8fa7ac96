import DurableWire
import Foundation
import Proxies
import Testing

/// A client's proxies outlive a restart of the manager: the connection comes back under the
/// same session and tells the manager what its proxies still refer to.
@Suite(.serialized)
struct ReconnectTests {
    @Test func proxiesKeepWorkingAfterTheManagerIsKilledAndRestarted() async throws {
        // The client's reconnect pauses grow to a second while the manager is down, and CI runs
        // many suites at once: a grace period of ten seconds lets it come back in time there too.
        let manager = try await ManagerFixture.start(extraArguments: ["--session-grace", "10"])
        let client = try await manager.connect()
        let status: DictProxy<String, Int> = try await client.dict("status")
        try await status.set("a", 1)
        // Anonymous: only this process's proxy keeps it alive.
        let scratch: ListProxy<String> = try await client.list()
        try await scratch.append("x")
        let lock = try await client.lock("printer")
        let anonymousLock = try await client.lock()
        let epoch = client.connection.epoch

        await manager.kill()
        try await manager.restart()

        try await status.set("b", 2)
        #expect(try await status.items().map(\.key) == ["a", "b"])
        #expect(client.connection.epoch > epoch)
        // Past the restart's grace period the anonymous list is still referenced.
        try await Task.sleep(for: .seconds(10.5))
        #expect(try await scratch.copy() == ["x"])
        // A named lock, which the restart lost, is opened again by its name; an anonymous one,
        // which nothing names, is lost.
        #expect(try await lock.locked() == false)
        #expect(lock.reference.epoch == client.connection.epoch)
        await #expect { _ = try await anonymousLock.locked() } throws: { ($0 as? ManagerError)?.code == .lostInRestart }
        await client.shutdown()
        await manager.stop()
    }

    @Test func aClosedConnectionDoesNotReconnect() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let status: DictProxy<String, Int> = try await client.dict("status")
        await client.shutdown()
        await #expect { try await status.set("a", 1) } throws: { ($0 as? ManagerError)?.code == .connectionLost }
        await manager.stop()
    }
}
