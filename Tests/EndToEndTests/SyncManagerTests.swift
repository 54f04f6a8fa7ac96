import DurableWire
import Foundation
import Proxies
import Synchronization
import Testing

/// The client library's entry points: start, connect, shutdown, withManager.
@Suite(.serialized)
struct SyncManagerTests {
    @Test func startSpawnsAManagerAndShutdownLeavesNoProcessBehind() async throws {
        let manager = try await SyncManager.start()
        let pid = try #require(manager.managerProcessID)
        #expect(processExists(pid))
        let status: DictProxy<String, Int> = try await manager.dict("status")
        try await status.set("done", 3)
        #expect(try await status["done"] == 3)
        await manager.shutdown()
        #expect(!processExists(pid))
        // Idempotent, and safe once the process is gone.
        await manager.shutdown()
    }

    @Test func shutdownOfAManagerThatWasKilledDoesNotWaitForItToComeBack() async throws {
        let manager = try await SyncManager.start()
        let pid = try #require(manager.managerProcessID)
        kill(pid, SIGKILL)
        let started = ContinuousClock.now
        await manager.shutdown()
        // Far below the 30 s a call would wait for a reconnection.
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(!processExists(pid))
    }

    @Test func withManagerAlwaysShutsDown() async throws {
        struct Boom: Error {}
        let pid = Mutex<Int32?>(nil)
        await #expect(throws: Boom.self) {
            try await withManager { manager in
                pid.withLock { $0 = manager.managerProcessID }
                throw Boom()
            }
        }
        let started = try #require(pid.withLock { $0 })
        #expect(!processExists(started))
    }

    @Test func aManagerWhoseClientWasKilledExitsByItself() async throws {
        // A client process starts a private manager and is then killed: the manager notices
        // its stdin close and shuts down, so no orphan is left.
        let fixture = try await ManagerFixture.start()
        defer { Task { await fixture.stop() } }
        // Its own journal too: the default one is the real state folder's, which another build
        // of durablectl may have written.
        let spawner = try ChildProcess("durablectl", ["serve", "--listen", "unix:\(fixture.folder)/orphan.sock",
                                                      "--authkey-file", fixture.authkeyPath, "--journal", "\(fixture.folder)/orphan.sqlite",
                                                      "--exit-on-stdin-eof"],
                                       environment: [:], standardInputPipe: true)
        #expect(await spawner.nextLine()?.contains("listening") == true)
        spawner.closeStandardInput()
        #expect(await spawner.waitForExit(timeout: .seconds(10)) == 0)
        await fixture.stop()
    }
}
