// `durablectl verify` on journals real managers wrote, sound ones and copies damaged on purpose:
// a record whose arguments do not decode, an unknown operation, a record of an object never
// created, a checkpointed state that does not decode, and pages overwritten in the file.
import DurableWire
import Foundation
import Proxies
import Testing

@Suite(.serialized)
struct VerifyCommandTests {
    private func verify(_ journal: String, home: String, json: Bool = false) async throws -> DurablectlRun {
        try await DurablectlRun.run(["verify", "--journal", journal] + (json ? ["--json"] : []), home: home)
    }

    /// Checks `verify` passes with its summary line and its JSON.
    private func expectSound(
        _ journal: String, home: String, objects: Int, after: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let records = try JournalDatabase(path: journal).journalRecords()
        let human = try await verify(journal, home: home)
        #expect(human.status == 0, "\(after): \(human.summary)", sourceLocation: sourceLocation)
        #expect(
            human.lines.first?.hasPrefix("ok: \(objects) objects, \(records) records replayed") == true,
            "\(after): \(human.summary)", sourceLocation: sourceLocation
        )
        let json = try await verify(journal, home: home, json: true)
        #expect(json.status == 0, "\(after): \(json.summary)", sourceLocation: sourceLocation)
        let report = try json.jsonObject()
        #expect(jsonBool(report["ok"]) == true, "\(after): \(json.output)", sourceLocation: sourceLocation)
        #expect(jsonInt(report["objects"]) == objects, "\(after): \(json.output)", sourceLocation: sourceLocation)
        #expect(jsonInt(report["records"]) == records, "\(after): \(json.output)", sourceLocation: sourceLocation)
        #expect((report["problems"] as? [Any])?.isEmpty == true, "\(after): \(json.output)", sourceLocation: sourceLocation)
    }

    /// Checks `verify` finds problems in `journal`, one of which names one of `places` (a seq, an
    /// id, a table), and leaves the file as it was.
    private func expectDamaged(
        _ journal: String, home: String, naming places: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let before = try #require(fileBytes(journal), sourceLocation: sourceLocation)
        let human = try await verify(journal, home: home)
        #expect(human.status == 65, "\(human.summary)", sourceLocation: sourceLocation)
        #expect(!human.output.hasPrefix("ok"), "\(human.summary)", sourceLocation: sourceLocation)
        let said = human.output + "\n" + human.standardError
        #expect(places.contains { mentions(said, $0) }, "no problem names any of \(places): \(human.summary)", sourceLocation: sourceLocation)

        let json = try await verify(journal, home: home, json: true)
        #expect(json.status == 65, "\(json.summary)", sourceLocation: sourceLocation)
        let parsed = try? json.jsonObject()
        #expect(parsed != nil, "verify --json printed no report: \(json.summary)", sourceLocation: sourceLocation)
        let report = parsed ?? [:]
        #expect(jsonBool(report["ok"]) == false, "\(json.output)", sourceLocation: sourceLocation)
        let problems = (report["problems"] as? [String]) ?? []
        #expect(!problems.isEmpty, "\(json.output)", sourceLocation: sourceLocation)
        #expect(problems.contains { problem in places.contains { mentions(problem, $0) } }, "\(json.output)", sourceLocation: sourceLocation)
        // One line per problem.
        #expect(problems.isEmpty || human.lines.count == problems.count, "\(human.summary)\n\(json.output)", sourceLocation: sourceLocation)
        #expect(fileBytes(journal) == before, "verify changed the file", sourceLocation: sourceLocation)
    }

    @Test func aSoundJournalVerifiesWhileRunningAfterAKillAndAfterACleanStop() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        _ = try await SampleObjects.create(on: manager, client: client)
        let count = SampleObjects.expected(anonymousID: 0).count
        try await expectSound(manager.journalPath, home: manager.folder, objects: count, after: "running")
        await client.shutdown()
        await manager.kill()
        #expect(try JournalDatabase(path: manager.journalPath).journalRecords() > 20)
        try await expectSound(manager.journalPath, home: manager.folder, objects: count, after: "SIGKILL")
        try await manager.restart()
        #expect(await manager.terminate() == 0)
        let before = fileBytes(manager.journalPath)
        try await expectSound(manager.journalPath, home: manager.folder, objects: count, after: "a clean stop")
        #expect(fileBytes(manager.journalPath) == before, "verify changed the file")
        await manager.stop()
    }

    @Test func damagedRecordsAreFoundAndNamed() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let samples = try await SampleObjects.create(on: manager, client: client)
        await client.shutdown()
        await manager.kill()
        let database = try JournalDatabase(path: manager.journalPath)
        let status = try #require(samples.ids["status"])
        let log = try #require(samples.ids["log"])
        let counter = try #require(samples.ids["counter"])
        let garbled = try database.seqs(of: status, op: "__setitem__")[1]
        let unknownOp = try #require(try database.seqs(of: counter, op: "set").first)
        let logCreate = try #require(try database.seqs(of: log, op: "create").first)
        let logRecords = try database.seqs(of: log).filter { $0 != logCreate }

        // Arguments that are no value of the encoding (0xFF is no tag).
        let garbledPath = manager.folder + "/garbled.sqlite"
        let garbledCopy = try WritableDatabase.copy(journal: manager.journalPath, to: garbledPath)
        try garbledCopy.execute("UPDATE journal SET args = X'FFFEFDFC0701' WHERE seq = \(garbled)")
        try garbledCopy.checkpointAndClose()
        try await expectDamaged(garbledPath, home: manager.folder, naming: ["\(garbled)"])
        // The other reading commands refuse it as damaged too.
        try await DurablectlRun.run(["objects", "--journal", garbledPath], home: manager.folder).expectError(65)

        // An operation no Value has.
        let unknownPath = manager.folder + "/unknown-op.sqlite"
        let unknownCopy = try WritableDatabase.copy(journal: manager.journalPath, to: unknownPath)
        try unknownCopy.execute("UPDATE journal SET op = 'frobnicate' WHERE seq = \(unknownOp)")
        try unknownCopy.checkpointAndClose()
        try await expectDamaged(unknownPath, home: manager.folder, naming: ["\(unknownOp)"])

        // Records of an object whose create record is gone.
        let orphanPath = manager.folder + "/orphan.sqlite"
        let orphanCopy = try WritableDatabase.copy(journal: manager.journalPath, to: orphanPath)
        try orphanCopy.execute("DELETE FROM journal WHERE seq = \(logCreate)")
        try orphanCopy.checkpointAndClose()
        try await expectDamaged(orphanPath, home: manager.folder, naming: ["\(log)"] + logRecords.map(String.init))

        // The manager's own journal was never touched and still verifies.
        try await expectSound(manager.journalPath, home: manager.folder, objects: samples.expected.count, after: "damaging copies")
        await manager.stop()
    }

    @Test func damagedCheckpointedStateIsFoundAndNamed() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let samples = try await SampleObjects.create(on: manager, client: client)
        await client.shutdown()
        // A clean stop writes every object into `objects`, and a dict's entries into `blocks`.
        #expect(await manager.terminate() == 0)
        let log = try #require(samples.ids["log"])
        let status = try #require(samples.ids["status"])

        let statePath = manager.folder + "/state.sqlite"
        let stateCopy = try WritableDatabase.copy(journal: manager.journalPath, to: statePath)
        try stateCopy.execute("UPDATE objects SET state = X'FF00' WHERE id = \(log)")
        try stateCopy.checkpointAndClose()
        try await expectDamaged(statePath, home: manager.folder, naming: ["\(log)"])

        let entryPath = manager.folder + "/entry.sqlite"
        let entryCopy = try WritableDatabase.copy(journal: manager.journalPath, to: entryPath)
        try entryCopy.execute("UPDATE blocks SET data = X'FF' WHERE object = \(status)")
        try entryCopy.checkpointAndClose()
        try await expectDamaged(entryPath, home: manager.folder, naming: ["\(status)", "status", "blocks"])
        await manager.stop()
    }

    @Test func overwrittenPagesFailTheIntegrityCheck() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let big: DictProxy<Int, String> = try await client.dict("big")
        for index in 0..<300 { try await big.set(index, String(repeating: "v", count: 500)) }
        await client.shutdown()
        await manager.kill()
        try await expectSound(manager.journalPath, home: manager.folder, objects: 1, after: "SIGKILL")

        // A copy with its WAL folded in, so that every page is where a byte-level edit finds it.
        let folded = manager.folder + "/folded.sqlite"
        try WritableDatabase.copy(journal: manager.journalPath, to: folded).checkpointAndClose()
        #expect(fileSize(folded + "-wal") == 0, "the WAL is folded in")
        let original = try #require(fileBytes(folded))
        // The page size is bytes 16-17 of the header (1 means 65536).
        let sizeField = Int(original[16]) << 8 | Int(original[17])
        let pageSize = sizeField == 1 ? 65_536 : sizeField
        let pages = original.count / pageSize
        // The tables' root pages come first, the journal table's other pages after them: pages
        // from the 17th on hold records, and the file's identity stays readable.
        try #require(pages > 24, "only \(pages) pages")

        // The cell pointers of one leaf page point out of the page: PRAGMA integrity_check lists
        // each bad cell with its page. (Damage to some pages makes SQLite stop at "malformed"
        // instead; take the first page, from the end, where SQLite itself names the page.)
        let pointersPath = manager.folder + "/pointers.sqlite"
        var named = false
        for page in (16..<pages - 1).reversed() {
            var pointers = original
            let offset = page * pageSize
            pointers.replaceSubrange(offset + 8..<offset + 40, with: Data(repeating: 0xFF, count: 32))
            let probe = manager.folder + "/probe-\(page).sqlite"
            try pointers.write(to: URL(fileURLWithPath: probe))
            let sqliteSays = (try? JournalDatabase(path: probe).integrityCheck()) ?? []
            if sqliteSays.contains(where: { $0.contains("page") }) {
                try pointers.write(to: URL(fileURLWithPath: pointersPath))
                named = true
                break
            }
        }
        try #require(named, "no page whose damage SQLite names")
        try await expectDamaged(pointersPath, home: manager.folder, naming: ["page"])

        // Page headers overwritten: SQLite can only say the file is malformed, and verify still
        // reports it as a problem.
        let headersPath = manager.folder + "/headers.sqlite"
        var headers = original
        for page in 16..<pages - 1 {
            let offset = page * pageSize
            headers.replaceSubrange(offset..<offset + 64, with: Data(repeating: 0xA5, count: 64))
        }
        try headers.write(to: URL(fileURLWithPath: headersPath))
        try await expectDamaged(headersPath, home: manager.folder, naming: ["page", "malformed"])
        await manager.stop()
    }
}

extension VerifyCommandTests {
    /// `show` reads only the object's own rows and records: a damaged record of another object
    /// does not hide a sound one, and the damaged one is refused naming its record.
    @Test func showReadsOnlyTheObjectsOwnHistory() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let sound: DictProxy<String, Int> = try await client.dict("sound")
        let broken: DictProxy<String, Int> = try await client.dict("broken")
        try await sound.set("a", 1)
        try await broken.set("b", 2)
        try await sound.set("c", 3)
        await client.shutdown()
        await manager.kill()
        let brokenSet = try #require(try JournalDatabase(path: manager.journalPath).seqs().dropLast().last)
        let path = manager.folder + "/one-bad-record.sqlite"
        let copy = try WritableDatabase.copy(journal: manager.journalPath, to: path)
        try copy.execute("UPDATE journal SET args = X'FFFEFDFC0701' WHERE seq = \(brokenSet)")
        try copy.checkpointAndClose()

        let shown = try await DurablectlRun.run(["show", "sound", "--journal", path], home: manager.folder)
        #expect(shown.status == 0 && shown.output == #"{"a":1,"c":3}"#, "\(shown.summary)")
        try await DurablectlRun.run(["show", "broken", "--journal", path], home: manager.folder).expectError(65, containing: "record \(brokenSet)")
        await manager.stop()
    }
}
