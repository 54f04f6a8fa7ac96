import Foundation
import Proxies
import Synchronization
import Testing

/// A restart of the manager, seen from a client: named in-memory objects come back by
/// themselves, `withLock` never runs its body twice, and the events say what happened.
@Suite(.serialized)
struct RestartTransparencyTests {
    @Test func aWorkerUsingNamedPrimitivesCarriesOnAcrossAKillWithoutHandlingLostInRestart() async throws {
        let manager = try await ManagerFixture.start()
        let worker = try manager.client("named-primitives", "120")
        try await expectLine(from: worker, "round 20")
        await manager.kill()
        try await manager.restart()
        try await expectLine(from: worker, "done", within: .seconds(60))
        #expect(await worker.waitForExit() == 0, "\(worker.standardErrorText())")
        // The rounds after the restart went through the new run's lock, semaphore and event.
        let client = try await manager.connect()
        let progress = try await client.dict("np-progress", keys: String.self, values: Int.self)
        #expect(try await progress["round"] == 119)
        await client.shutdown()
        await manager.stop()
    }

    @Test func withLockRunsItsBodyOnceWhenTheManagerRestartsInsideIt() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let events = Recorder(client.events)
        let lock = try await client.lock("counter-lock")
        let counter = try await client.dict("counter", keys: String.self, values: Int.self)
        try await counter.set("jobs", 0)
        let runs = Mutex(0)
        let result = try await lock.withLock {
            runs.withLock { $0 += 1 }
            let before = try await counter["jobs"]
            // The manager dies while the body holds the lock, and comes back.
            await manager.kill()
            try await manager.restart()
            try await counter.set("jobs", before + 1)
            return before + 1
        }
        #expect(result == 1)
        #expect(runs.withLock { $0 } == 1)
        #expect(try await counter["jobs"] == 1)
        // The hold ended with the old run: said, not thrown; and the lock works in the new run.
        let lost = try await events.first { $0.kind == .lockLostInRestart }
        #expect(lost.object?.typeID == "Lock")
        #expect(try await lock.withLock { true })
        await client.shutdown()
        await manager.stop()
    }

    @Test func theEventsSayTheConnectionDroppedAndTheManagerRestarted() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let events = Recorder(client.events)
        let before = client.connection.epoch
        await manager.kill()
        try await manager.restart()
        // The client reconnects by itself: no call is needed for the events to come.
        let dropped = try await events.first { $0.kind == .disconnected }
        #expect(dropped.epoch == before)
        let restarted = try await events.first { $0.kind == .managerRestarted }
        #expect(restarted.previousEpoch == before)
        #expect(restarted.epoch > before)
        #expect(restarted.message.contains("restarted"))
        // A drop that is not a restart says so too.
        await client.shutdown()
        await manager.stop()
    }

    @Test func aParkedCallIsParkedAgainAcrossARestartAndGetsItsItemOnce() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let queue = try await client.queue("parked", of: Int.self)
        let parked = Task { try await queue.get() }
        try await Task.sleep(for: .milliseconds(200))
        await manager.kill()
        try await manager.restart()
        // The get was sent again under its id once the connection came back, and waits again.
        let producer = try await manager.connect()
        try await producer.queue("parked", of: Int.self).put(7)
        #expect(try await parked.value == 7)
        #expect(try await queue.qsize() == 0)
        await producer.shutdown()
        await client.shutdown()
        await manager.stop()
    }

    @Test func aCallInFlightWhenTheManagerDoesNotComeBackSaysSo() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await SyncManager.connect(to: manager.address, authkey: try manager.authkey(), reconnectWindow: .milliseconds(300))
        let queue = try await client.queue("parked", of: Int.self)
        let parked = Task { try await queue.get() }
        try await Task.sleep(for: .milliseconds(200))
        await manager.kill()
        let error = await #expect(throws: ManagerError.self) { try await parked.value }
        #expect(error?.code == .connectionLost)
        #expect(error?.message.contains("did not come back within") == true, "\(String(describing: error))")
        #expect(error?.message.contains("this call was in flight: it may or may not have been applied") == true, "\(String(describing: error))")
        await client.shutdown()
        await manager.stop()
    }

    private func expectLine(from process: ChildProcess, _ expected: String, within patience: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + patience
        while ContinuousClock.now < deadline {
            guard let line = await process.nextLine() else { break }
            if line == expected { return }
        }
        Issue.record("no line '\(expected)' from the client: \(process.standardErrorText())")
        throw FixtureError("no line '\(expected)'")
    }
}

/// Collects a client's events as they come, for a test to wait on.
final class Recorder: Sendable {
    private final class Seen: Sendable {
        let events = Mutex<[ConnectionEvent]>([])
    }

    private let seen = Seen()
    private let task: Task<Void, Never>

    init(_ events: AsyncStream<ConnectionEvent>) {
        let seen = self.seen
        task = Task {
            for await event in events { seen.events.withLock { $0.append(event) } }
        }
    }

    deinit { task.cancel() }

    /// The first event that matches, waiting up to `patience` for it.
    func first(within patience: Duration = .seconds(20), where matches: (ConnectionEvent) -> Bool) async throws -> ConnectionEvent {
        let deadline = ContinuousClock.now + patience
        while ContinuousClock.now < deadline {
            if let event = seen.events.withLock({ $0.first(where: matches) }) { return event }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw FixtureError("no such event among \(seen.events.withLock { $0 })")
    }
}
