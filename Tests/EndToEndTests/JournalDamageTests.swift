// Issue 10: damage to the journal is always detected, never served. A test for every fault in the
// issue's table, on a real manager's files: the fault, then writes refused while the journal is
// not the manager's, and a start on a journal that lost acknowledged records refused with the
// file left byte-identical, unless `--accept-journal-loss` says to serve what is left.
import DurableWire
import Foundation
import Testing

@Suite(.serialized)
struct JournalDamageTests {
    // MARK: Under a running manager

    @Test func aJournalDeletedUnderARunningManagerRefusesWritesAndItsRestartIsRefusedAsMissing() async throws {
        try await withManagerProcess(captureStandardError: true) { manager in
            let raw = try manager.rawConnection()
            let dict = try raw.create("dict", name: "d")
            #expect(try raw.call(dict, "__setitem__", ["kept", 1]).isSuccess)
            #expect(unlink(manager.journalPath) == 0)

            // SQLite would go on writing the unlinked file, which no restart could read.
            for key in ["lost", "also lost"] {
                #expect(try raw.call(dict, "__setitem__", [.string(key), 2]).errorCode == .journalFailure, "\(key)")
            }
            #expect(try raw.call(dict, "copy") == .success(["kept": 1]), "reads answer, with what was acknowledged")
            let critical = await manager.process.standardErrorLine(containing: "the journal file is gone or replaced")
            #expect(critical?.contains("critical") == true && critical?.contains(manager.journalPath) == true, "\(critical ?? "no line")")
            let lines = manager.process.standardErrorLines().filter { $0.contains("the journal file is gone or replaced") }
            #expect(lines.count == 1, "logged once, not at every refused write: \(lines)")

            await manager.kill()
            // The lock file remembers the commits: a missing journal is not a new one.
            let refused = try await manager.refusedStart()
            refused.expectError(65, containing: "journal \(manager.journalPath) is missing")
            #expect(!FileManager.default.fileExists(atPath: manager.journalPath), "the refused start made a journal")

            try await manager.restart(extraArguments: ["--accept-journal-loss"])
            let lost = await manager.process.standardErrorLine(containing: "lost records")
            #expect(lost.flatMap { logMetadata("recordsLost", in: $0) }.flatMap { Int($0) } ?? 0 > 0, "\(lost ?? "no line")")
            #expect(try manager.rawConnection().call(0, "objects") == .success([]), "a new journal")
        }
    }

    @Test func aWALDeletedUnderARunningManagerRefusesWritesAndItsRestartIsRefused() async throws {
        try await withManagerProcess(captureStandardError: true) { manager in
            let raw = try manager.rawConnection()
            let dict = try raw.create("dict", name: "d")
            #expect(try raw.call(dict, "__setitem__", ["kept", 1]).isSuccess)
            #expect(unlink(manager.journalPath + "-wal") == 0)

            #expect(try raw.call(dict, "__setitem__", ["lost", 2]).errorCode == .journalFailure)
            #expect(try raw.call(dict, "copy") == .success(["kept": 1]))
            let critical = await manager.process.standardErrorLine(containing: "the journal file is gone or replaced")
            #expect(critical?.contains("write-ahead log") == true, "\(critical ?? "no line")")

            // The acknowledged records were in the deleted WAL: the journal went backwards.
            await manager.kill()
            let refused = try await manager.refusedStart()
            refused.expectError(65, containing: "journal \(manager.journalPath) went backwards")
        }
    }

    // MARK: Between two runs

    @Test func aWALDeletedAfterAKillIsRefusedAsWentBackwardsAndTheFileIsLeftUntouched() async throws {
        try await withManagerProcess(captureStandardError: true) { manager in
            var raw = try manager.rawConnection()
            let dict = try raw.create("dict", name: "d")
            #expect(try raw.call(dict, "__setitem__", ["checkpointed", 1]).isSuccess)
            #expect(await manager.terminate() == 0)
            try await manager.restart()
            raw = try manager.rawConnection()
            #expect(try raw.call(dict, "__setitem__", ["in the WAL", 2]).isSuccess)
            await manager.kill()
            #expect(unlink(manager.journalPath + "-wal") == 0)

            let file = try bytes(manager.journalPath)
            let mark = try commitMark(manager.journalPath)
            let refused = try await manager.refusedStart()
            refused.expectError(65, containing: "journal \(manager.journalPath) went backwards")
            #expect(try bytes(manager.journalPath) == file, "the refused start changed the journal")
            #expect(try commitMark(manager.journalPath) == mark, "the refused start changed the lock file's mark")

            try await manager.restart(extraArguments: ["--accept-journal-loss"])
            let lost = await manager.process.standardErrorLine(containing: "lost records")
            #expect(lost.flatMap { logMetadata("recordsLost", in: $0) }.flatMap { Int($0) } ?? 0 > 0, "\(lost ?? "no line")")
            #expect(try manager.rawConnection().call(dict, "copy") == .success(["checkpointed": 1]), "what the file holds")
        }
    }

    @Test(arguments: [false, true])
    func aJournalTruncatedToZeroBytesIsRefusedAsAnEmptyFile(afterAKill: Bool) async throws {
        try await withManagerProcess { manager in
            let raw = try manager.rawConnection()
            let dict = try raw.create("dict", name: "d")
            #expect(try raw.call(dict, "__setitem__", ["k", 1]).isSuccess)
            if afterAKill {
                await manager.kill()
            } else {
                #expect(await manager.terminate() == 0)
            }
            #expect(truncate(manager.journalPath, 0) == 0)

            let refused = try await manager.refusedStart()
            refused.expectError(65, containing: "journal \(manager.journalPath) is an empty file")
            #expect(try bytes(manager.journalPath).isEmpty, "the refused start wrote to the file")

            try await manager.restart(extraArguments: ["--accept-journal-loss"])
            #expect(try manager.rawConnection().call(0, "objects") == .success([]), "a new journal")
        }
    }

    @Test func aJournalReplacedByAnOlderCopyOfItselfIsRefusedAsWentBackwards() async throws {
        try await withManagerProcess { manager in
            let copy = manager.folder + "/older.sqlite"
            var raw = try manager.rawConnection()
            let dict = try raw.create("dict", name: "d")
            #expect(try raw.call(dict, "__setitem__", ["old", 1]).isSuccess)
            #expect(await manager.terminate() == 0)
            try FileManager.default.copyItem(atPath: manager.journalPath, toPath: copy)
            try await manager.restart()
            raw = try manager.rawConnection()
            #expect(try raw.call(dict, "__setitem__", ["new", 2]).isSuccess)
            #expect(await manager.terminate() == 0)

            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: manager.journalPath + suffix)
            }
            try FileManager.default.copyItem(atPath: copy, toPath: manager.journalPath)
            let file = try bytes(manager.journalPath)
            let refused = try await manager.refusedStart()
            refused.expectError(65, containing: "journal \(manager.journalPath) went backwards")
            #expect(try bytes(manager.journalPath) == file, "the refused start changed the journal")

            try await manager.restart(extraArguments: ["--accept-journal-loss"])
            #expect(try manager.rawConnection().call(dict, "copy") == .success(["old": 1]), "what the older copy holds")
        }
    }
}

/// The whole content of the file at `path`.
private func bytes(_ path: String) throws -> Data {
    guard let data = FileManager.default.contents(atPath: path) else { throw FixtureError("cannot read \(path)") }
    return data
}

/// The commit mark the journal's lock file holds: its second line (the first is the pid of the
/// last manager that took the lock, which every start rewrites).
private func commitMark(_ journalPath: String) throws -> String {
    let lines = try String(contentsOfFile: journalPath + ".lock", encoding: .utf8).split(separator: "\n")
    guard lines.count >= 2, lines[1].hasPrefix("committed") else { throw FixtureError("no commit mark in \(journalPath).lock") }
    return String(lines[1])
}
