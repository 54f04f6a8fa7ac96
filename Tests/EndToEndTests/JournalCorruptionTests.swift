import DurableWire
import Foundation
import Proxies
import Testing

/// Damage is detected, never served: random bytes of a real journal (its file, or its WAL after
/// a kill) are flipped, and a manager started on each damaged copy must either refuse it,
/// leaving the copy byte-identical, or serve exactly the state the journal held.
///
/// CI runs a few trials per journal; more (the issue's 60 and up):
///
///     CORRUPTION_TRIALS=300 swift test --filter JournalCorruptionTests
///     scripts/corrupt-journal.sh 300
@Suite(.serialized)
struct JournalCorruptionTests {
    private static let trials = environmentCount("CORRUPTION_TRIALS", default: 12)

    @Test func flippedBytesInACheckpointedJournalAreRefusedOrChangeNothing() async throws {
        try await exercise(kill: false)
    }

    @Test func flippedBytesInAJournalAndItsWALAfterAKillAreRefusedOrChangeNothing() async throws {
        try await exercise(kill: true)
    }

    /// Builds a journal (a 400-entry dict, a list and a queue, partly checkpointed, partly in
    /// records), then runs the trials on copies of it.
    private func exercise(kill: Bool) async throws {
        let manager = try await ManagerFixture.start(extraArguments: ["--checkpoint-every", "700"])
        let client = try await manager.connect()
        let entries: DictProxy<String, String> = try await client.dict("entries")
        let items: ListProxy<Int> = try await client.list("items")
        let jobs: QueueProxy<String> = try await client.queue("jobs")
        for index in 0..<400 { try await entries.set("key-\(index)", "value \(index) " + String(repeating: "x", count: index % 50)) }
        for index in 0..<200 { try await items.append(index) }
        for index in 0..<50 { try await jobs.put("job \(index)") }
        _ = try await jobs.get()
        await client.shutdown()
        if kill { await manager.kill() } else { await manager.terminate() }
        let files = ["", "-wal", ".lock"].map { manager.journalPath + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
        let expected = try await exportedObjects(manager.journalPath, home: manager.folder)
        try #require(expected.count == 3)

        var generator = SystemRandomNumberGenerator()
        var outcomes = (refused: 0, identical: 0)
        for trial in 0..<Self.trials {
            let folder = manager.folder + "/trial-\(trial)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let copies = files.map { folder + "/manager.sqlite" + $0.dropFirst(manager.journalPath.count) }
            for (file, copy) in zip(files, copies) { try FileManager.default.copyItem(atPath: file, toPath: copy) }
            // A byte of the file or, after a kill, of its WAL; never of the lock file's mark.
            let damaged = copies.filter { !$0.hasSuffix(".lock") && fileSize($0) > 0 }.randomElement(using: &generator)!
            var bytes = try Data(contentsOf: URL(fileURLWithPath: damaged))
            let offset = Int.random(in: 0..<bytes.count, using: &generator)
            bytes[offset] ^= UInt8.random(in: 1...255, using: &generator)
            try bytes.write(to: URL(fileURLWithPath: damaged))
            let before = try copies.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }

            let place = "\(damaged.split(separator: "/").last!) byte \(offset) of \(bytes.count)"
            if let started = try? await ManagerFixture.start(journalPath: copies[0]) {
                let served = try await exportedObjects(copies[0], home: started.folder)
                await started.stop()
                #expect(served == expected, "trial \(trial): \(place) was served as different state")
                outcomes.identical += 1
            } else {
                let after = try copies.filter { !$0.hasSuffix(".lock") }.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
                #expect(after == Array(before.prefix(after.count)), "trial \(trial): the refused start changed the damaged journal (\(place))")
                outcomes.refused += 1
            }
            try? FileManager.default.removeItem(atPath: folder)
        }
        print("journal corruption (\(kill ? "after a kill" : "after a clean stop")): \(Self.trials) trials, \(outcomes.refused) refused, \(outcomes.identical) served identical state")
        await manager.stop()
    }

    /// The objects of a journal as `durablectl export` prints them: one line each.
    private func exportedObjects(_ journal: String, home: String) async throws -> [String] {
        let export = try await DurablectlRun.run(["export", "--journal", journal], home: home)
        try #require(export.status == 0, "\(export.summary)")
        return export.lines.filter { $0.contains("\"state\"") }
    }
}
