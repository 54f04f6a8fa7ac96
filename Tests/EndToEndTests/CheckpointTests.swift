// Checkpoints with real manager processes and a real journal file: a clean stop leaves nothing
// to replay, the automatic checkpoint bounds the journal, and a kill during a checkpoint loses
// nothing. The last test kills CHECKPOINT_KILL_CYCLES times (default 8).
import DurableWire
import Foundation
import Proxies
import Testing

@Suite(.serialized)
struct CheckpointTests {
    /// The start-up line "restored the journal" of the manager now running.
    private static func restoredLine(_ manager: ManagerFixture) async throws -> String {
        let line = await manager.process.standardErrorLine(containing: "restored the journal")
        return try #require(line, "the manager logged no 'restored the journal' line: \(manager.process.standardErrorText())")
    }

    @Test func aCleanStopLeavesNothingToReplayAndAKillLeavesTheRecords() async throws {
        let manager = try await ManagerFixture.start(logLevel: "info", captureStandardError: true)
        var client = try await manager.connect()
        let settings: DictProxy<String, Int> = try await client.dict("settings")
        for index in 0..<100 { try await settings.set("k\(index)", index) }
        let log: ListProxy<String> = try await client.list("log")
        try await log.extend(["a", "b", "c"])
        let jobs: QueueProxy<String> = try await client.queue("jobs")
        for job in ["j1", "j2", "j3"] { try await jobs.put(job) }
        _ = try await jobs.get()
        let status = try await client.namespace("status")
        try await status.set("phase", "loading")
        let counter = try await client.value("counter", 0)
        try await counter.set(41)
        await client.shutdown()

        // A clean stop checkpoints: nothing is left in the journal table, and the next start
        // replays nothing.
        #expect(await manager.terminate() == 0)
        #expect(try JournalDatabase(path: manager.journalPath).journalRecords() == 0)
        try await manager.restart()
        let clean = try await Self.restoredLine(manager)
        #expect(logMetadata("replayed", in: clean) == "0", "\(clean)")
        #expect(logMetadata("lastStop", in: clean) == "clean", "\(clean)")
        #expect(logMetadata("objects", in: clean) == "5", "\(clean)")

        client = try await manager.connect()
        try await Self.expectState(client, settings: 100, log: ["a", "b", "c"], jobs: ["j2", "j3"], phase: "loading", counter: 41)
        // More changes, then a crash: they are in the journal, and the next start replays them.
        let settingsAgain: DictProxy<String, Int> = try await client.dict("settings")
        for index in 100..<150 { try await settingsAgain.set("k\(index)", index) }
        let counterAgain = try await client.value("counter", 0)
        try await counterAgain.set(42)
        await client.shutdown()
        await manager.kill()
        let records = try JournalDatabase(path: manager.journalPath).journalRecords()
        #expect(records >= 51)
        try await manager.restart()
        let unclean = try await Self.restoredLine(manager)
        #expect(logMetadata("replayed", in: unclean) == "\(records)", "\(unclean)")
        #expect(logMetadata("lastStop", in: unclean) == "unclean", "\(unclean)")

        client = try await manager.connect()
        try await Self.expectState(client, settings: 150, log: ["a", "b", "c"], jobs: ["j2", "j3"], phase: "loading", counter: 42)
        await client.shutdown()
        // And a clean stop after the replay again leaves nothing to replay.
        #expect(await manager.terminate() == 0)
        try await manager.restart()
        let again = try await Self.restoredLine(manager)
        #expect(logMetadata("replayed", in: again) == "0", "\(again)")
        #expect(logMetadata("lastStop", in: again) == "clean", "\(again)")
        await manager.stop()
    }

    private static func expectState(
        _ client: SyncManager, settings count: Int, log: [String], jobs: [String], phase: String, counter: Int
    ) async throws {
        let settings: DictProxy<String, Int> = try await client.dict("settings")
        let items = try await settings.items()
        #expect(items.map(\.key) == (0..<count).map { "k\($0)" })
        #expect(items.allSatisfy { "k\($0.value)" == $0.key })
        let list: ListProxy<String> = try await client.list("log")
        #expect(try await list.copy() == log)
        let queue: QueueProxy<String> = try await client.queue("jobs")
        #expect(try await queue.qsize() == jobs.count)
        let status = try await client.namespace("status")
        #expect(try await status.get("phase", as: String.self) == phase)
        let value = try await client.value("counter", 0)
        #expect(try await value.get() == counter)
    }

    @Test func theAutomaticCheckpointKeepsTheJournalNearItsBound() async throws {
        let bound = 500
        let count = 5_000
        let manager = try await ManagerFixture.start(
            extraArguments: ["--checkpoint-every", "\(bound)"], logLevel: "info", captureStandardError: true
        )
        let loaded = manager.process
        let filler = try manager.client("fill-dict", "bounded", "\(count)")
        // Count the journal's records, read-only, while the client writes.
        var most = 0
        var samples = 0
        do {
            let database = try JournalDatabase(path: manager.journalPath)
            let deadline = ContinuousClock.now + .seconds(120)
            while filler.process.isRunning, ContinuousClock.now < deadline {
                most = max(most, try database.journalRecords())
                samples += 1
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        #expect(await filler.nextLine() == "filled \(count)")
        #expect(await filler.waitForExit() == 0)
        await manager.kill()
        let left = try JournalDatabase(path: manager.journalPath).journalRecords()
        most = max(most, left)
        print("journal bound \(bound): at most \(most) records in \(samples) samples during \(count) sets; \(left) after the kill")
        #expect(samples > 10)
        #expect(most < 2 * bound, "the journal held \(most) records with --checkpoint-every \(bound)")
        let checkpoints = loaded.standardErrorLines().filter { $0.hasSuffix(" checkpoint") }
        #expect(checkpoints.count >= count / bound - 1, "only \(checkpoints.count) checkpoints")
        #expect(!loaded.standardErrorText().contains("checkpoint failed"))

        // A restart replays only what came after the last checkpoint and restores everything.
        try await manager.restart()
        let restored = try await Self.restoredLine(manager)
        #expect(logMetadata("replayed", in: restored) == "\(left)", "\(restored)")
        let client = try await manager.connect()
        let dict: DictProxy<String, Int> = try await client.dict("bounded")
        let items = try await dict.items()
        #expect(items.count == count)
        #expect(items.map(\.key) == (0..<count).map { "k\($0)" })
        #expect(items.allSatisfy { "k\($0.value)" == $0.key })
        await client.shutdown()
        await manager.stop()
    }

    @Test func aKillDuringACheckpointLosesNothing() async throws {
        // With a checkpoint every 50 records under the crash load, checkpoints run all the time,
        // so some of the kills land inside one; the crash checks run after each restart.
        let cycles = environmentCount("CHECKPOINT_KILL_CYCLES", default: 8)
        let outcome = try await runCrashCycles(
            cycles: cycles, workers: 3, extraArguments: ["--checkpoint-every", "50"], logLevel: "info", captureStandardError: true
        )
        #expect(outcome.problems.isEmpty)
        #expect(outcome.ledger.acknowledged > 0)
        // The managers that ran under load (all but the last) checkpointed while they ran.
        var checkpoints: [Int] = []
        var busy = 0
        for manager in outcome.managers.dropLast() {
            let lines = manager.standardErrorLines()
            let done = lines.filter { $0.hasSuffix(" checkpoint") }
            checkpoints.append(done.count)
            busy += done.compactMap { logMetadata("ms", in: $0).flatMap(Int.init) }.reduce(0, +)
            #expect(!lines.contains { $0.contains("checkpoint failed") }, "\(lines.filter { $0.contains("checkpoint failed") })")
        }
        print("checkpoints per load phase: \(checkpoints); \(busy) ms spent checkpointing")
        #expect(checkpoints.count { $0 > 0 } * 2 >= checkpoints.count, "most load phases should checkpoint: \(checkpoints)")
    }
}
