// `durablectl export` and `import`: a backup of every object as JSON, written into a new journal
// that a real manager then serves with the same ids, names and states; and the imports that
// must be refused without touching anything.
import DurableWire
import Foundation
import Proxies
import Testing

@Suite(.serialized)
struct ExportImportTests {
    private func run(_ manager: ManagerFixture, _ arguments: String...) async throws -> DurablectlRun {
        try await DurablectlRun.run(arguments, home: manager.folder)
    }

    /// The export's objects by id, each in canonical JSON.
    private func objectsByID(_ document: [String: Any]) -> [Int: String] {
        var objects: [Int: String] = [:]
        for object in (document["objects"] as? [[String: Any]]) ?? [] {
            if let id = jsonInt(object["id"]) { objects[id] = canonicalJSON(object) }
        }
        return objects
    }

    /// Checks an export document against the samples and the journal it came from.
    private func expectExport(
        _ document: [String: Any], of samples: SampleObjects, journal: String, began: Double, after: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let database = try JournalDatabase(path: journal)
        let context = "\(after): \(canonicalJSON(document).prefix(3000))"
        #expect(document["format"] as? String == "durablemanager-export", "\(context)", sourceLocation: sourceLocation)
        #expect(jsonInt(document["version"]) == 1, "\(context)", sourceLocation: sourceLocation)
        #expect(jsonInt(document["epoch"]) == (try database.managerState("epoch")), "\(context)", sourceLocation: sourceLocation)
        #expect(jsonInt(document["seq"]) == max(try database.seqs().last ?? 0, try database.checkpointSeq()), "\(context)", sourceLocation: sourceLocation)
        let now = Date().timeIntervalSince1970
        #expect(jsonDouble(document["exportedAt"]).map { $0 >= began - 1 && $0 <= now + 1 } == true, "\(context)", sourceLocation: sourceLocation)
        let objects = (document["objects"] as? [[String: Any]]) ?? []
        #expect(objects.count == samples.expected.count, "\(context)", sourceLocation: sourceLocation)
        for expected in samples.expected {
            let id = Int(samples.ids[expected.label]!)
            guard let object = objects.first(where: { jsonInt($0["id"]) == id }) else {
                Issue.record("\(expected.label) #\(id) is not in the export, \(context)", sourceLocation: sourceLocation)
                continue
            }
            #expect(object["type"] as? String == expected.type, "\(expected.label) \(after)", sourceLocation: sourceLocation)
            if let name = expected.name {
                #expect(object["name"] as? String == name, "\(expected.label) \(after)", sourceLocation: sourceLocation)
            } else {
                #expect(isNull(object["name"]), "\(expected.label) \(after)", sourceLocation: sourceLocation)
            }
            // A string-keyed map may be written as an object or as {"$map": [...]}: the same value.
            #expect(
                canonicalJSON(plainMaps(object["state"] ?? "missing")) == canonicalJSON(parsing: expected.state),
                "\(expected.label) \(after): \(canonicalJSON(object))", sourceLocation: sourceLocation
            )
        }
    }

    @Test func anExportHoldsEveryObjectWithItsStateToStdoutOrAFile() async throws {
        let began = Date().timeIntervalSince1970
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let samples = try await SampleObjects.create(on: manager, client: client)

        let printed = try await run(manager, "export", "--journal", manager.journalPath)
        #expect(printed.status == 0, "\(printed.summary)")
        try expectExport(try printed.jsonObject(), of: samples, journal: manager.journalPath, began: began, after: "running")
        // A dict's entries keep their order in the document itself.
        let status = try #require(printed.output.range(of: #""job-2""#)?.lowerBound)
        let jobOne = try #require(printed.output.range(of: #""job-1""#)?.lowerBound)
        #expect(status < jobOne, "the status dict's entries in insertion order")

        let file = manager.folder + "/backup.json"
        let written = try await run(manager, "export", "--output", file, "--journal", manager.journalPath)
        #expect(written.status == 0, "\(written.summary)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let document = try #require(try parseJSON(text) as? [String: Any], "not a JSON object: \(text.prefix(500))")
        try expectExport(document, of: samples, journal: manager.journalPath, began: began, after: "--output")
        #expect(objectsByID(document) == objectsByID(try printed.jsonObject()))
        #expect(written.output.contains(#""format""#) == false, "the document went to the file, not stdout: \(written.summary)")
        await client.shutdown()
        await manager.stop()
    }

    @Test func anImportedJournalServesTheSameObjectsWithTheSameIds() async throws {
        let began = Date().timeIntervalSince1970
        let manager = try await ManagerFixture.start()
        var client = try await manager.connect()
        let samples = try await SampleObjects.create(on: manager, client: client)
        await client.shutdown()
        // Exported from an unclean journal: the records after the checkpoint are in the backup.
        await manager.kill()
        let backup = manager.folder + "/backup.json"
        let exported = try await run(manager, "export", "--output", backup, "--journal", manager.journalPath)
        #expect(exported.status == 0, "\(exported.summary)")
        let document = try #require(try parseJSON(String(contentsOfFile: backup, encoding: .utf8)) as? [String: Any])
        try expectExport(document, of: samples, journal: manager.journalPath, began: began, after: "SIGKILL")
        let exportEpoch = try #require(jsonInt(document["epoch"]))

        let restored = manager.folder + "/restored.sqlite"
        let imported = try await run(manager, "import", backup, "--journal", restored)
        #expect(imported.status == 0, "\(imported.summary)")
        try #require(FileManager.default.fileExists(atPath: restored))

        // The reading commands see every object, as a checkpoint with no records after it.
        let listing = try await run(manager, "objects", "--json", "--journal", restored)
        let rows = try #require(try listing.json() as? [[String: Any]], "\(listing.summary)")
        let expected = samples.expected.sorted { samples.ids[$0.label]! < samples.ids[$1.label]! }
        #expect(rows.map { jsonInt($0["id"]) } == expected.map { Int(samples.ids[$0.label]!) }, "\(listing.output)")
        for (row, object) in zip(rows, expected) {
            #expect(row["type"] as? String == object.type, "\(canonicalJSON(row))")
            if let name = object.name {
                #expect(row["name"] as? String == name, "\(canonicalJSON(row))")
            } else {
                #expect(isNull(row["name"]), "\(canonicalJSON(row))")
            }
            #expect(jsonInt(row["size"]) == object.size, "\(canonicalJSON(row))")
            #expect(isNull(row["lastSeq"]), "\(canonicalJSON(row))")
        }
        let stats = try await run(manager, "stats", "--json", "--journal", restored).jsonObject()
        #expect(jsonInt(stats["records"]) == 0, "\(canonicalJSON(stats))")
        #expect(jsonInt(stats["objects"]) == samples.expected.count, "\(canonicalJSON(stats))")
        #expect((jsonInt(stats["epoch"]) ?? 0) >= exportEpoch, "\(canonicalJSON(stats))")
        let verified = try await run(manager, "verify", "--journal", restored)
        #expect(verified.status == 0, "\(verified.summary)")
        #expect(verified.output.hasPrefix("ok: \(samples.expected.count) objects, 0 records replayed"), "the spec's summary line: \(verified.summary)")
        // Exporting the new journal gives the same objects back.
        let again = try await run(manager, "export", "--journal", restored)
        #expect(objectsByID(try again.jsonObject()) == objectsByID(document), "\(again.output.prefix(3000))")
        // It now holds state: a second import is refused and changes nothing.
        let before = fileBytes(restored)
        try await run(manager, "import", backup, "--journal", restored).expectError(73, containing: restored)
        #expect(fileBytes(restored) == before)

        // A manager started on it has every object with its id, name, state and order.
        let served = try await ManagerFixture.start(journalPath: restored)
        client = try await served.connect()
        try await samples.expectRestored(through: client, after: "import")
        // A new object does not take an imported object's id.
        let fresh: DictProxy<String, Int> = try await client.dict("fresh")
        #expect(!samples.ids.values.contains(fresh.reference.id), "new id \(fresh.reference.id)")
        #expect(fresh.reference.epoch > UInt64(exportEpoch), "new id \(fresh.reference.id) of epoch \(fresh.reference.epoch)")
        try await fresh.set("after-import", 1)
        await client.shutdown()
        // The imported checkpoint is an ordinary one: a crash and a restart replay on top of it.
        await served.kill()
        try await served.restart()
        client = try await served.connect()
        try await samples.expectRestored(through: client, after: "import, SIGKILL and restart")
        let freshAgain: DictProxy<String, Int> = try await client.dict("fresh")
        #expect(freshAgain.reference.id == fresh.reference.id)
        #expect(try await freshAgain["after-import"] == 1)
        try await samples.expectQueuesWork(through: client, after: "import")
        await client.shutdown()
        await served.stop()
        await manager.stop()
    }

    @Test func importRefusesAJournalWithStateARunningManagerAndAFileThatIsNotAnExport() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        _ = try await SampleObjects.create(on: manager, client: client)
        await client.shutdown()
        let backup = manager.folder + "/backup.json"
        let exported = try await run(manager, "export", "--output", backup, "--journal", manager.journalPath)
        try #require(exported.status == 0, "\(exported.summary)")

        // A journal a manager runs on, even one with nothing in it yet: 75.
        let empty = try await ManagerFixture.start()
        try await run(manager, "import", backup, "--journal", empty.journalPath).expectError(75)
        let emptyObjects = try await run(empty, "objects", "--json", "--journal", empty.journalPath)
        #expect(emptyObjects.status == 0 && canonicalJSON(parsing: emptyObjects.output) == "[]", "\(emptyObjects.summary)")
        #expect(try JournalDatabase(path: empty.journalPath).journalRecords() == 1, "only the manager's start record")
        await empty.stop()

        // A stopped journal that holds objects: 73, untouched.
        #expect(await manager.terminate() == 0)
        let before = try #require(fileBytes(manager.journalPath))
        try await run(manager, "import", backup, "--journal", manager.journalPath).expectError(73, containing: manager.journalPath)
        #expect(fileBytes(manager.journalPath) == before)

        // Files that are not an export: 65, and no journal is made.
        let notAnExport: [(String, String)] = [
            ("other.json", #"{"format": "something-else", "version": 1, "objects": []}"#),
            ("array.json", "[1, 2, 3]"),
            ("notes.txt", "remember the milk\n"),
            ("truncated.json", String(try String(contentsOfFile: backup, encoding: .utf8).prefix(200))),
            // The right form, but a Queue's state that no Queue is restored from.
            ("bad-state.json", #"{"format": "durablemanager-export", "version": 1, "epoch": 1, "seq": 0, "exportedAt": 0, "objects": [{"id": 1099511627777, "type": "Queue", "name": "jobs", "state": "hello"}]}"#),
        ]
        for (file, text) in notAnExport {
            let path = manager.folder + "/" + file
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let target = manager.folder + "/from-\(file).sqlite"
            try await run(manager, "import", path, "--journal", target).expectError(65)
            #expect(!FileManager.default.fileExists(atPath: target), "a refused import made \(target)")
            #expect(fileBytes(path) == Data(text.utf8))
        }
        // No such export file: 66.
        let target = manager.folder + "/from-nothing.sqlite"
        try await run(manager, "import", manager.folder + "/nothing.json", "--journal", target).expectError(66, containing: "nothing.json")
        #expect(!FileManager.default.fileExists(atPath: target))
        await manager.stop()
    }
}
