// `durablectl objects`, `show`, `journal` and `stats` on journals that real managers wrote, read
// while the manager runs, after a SIGKILL left the journal unclean, and after a clean stop. Every
// answer is checked against the journal's own tables, read straight from SQLite.
import DurableWire
import Foundation
import Proxies
import Testing

@Suite(.serialized)
struct JournalReadingCommandsTests {
    /// Runs `durablectl` on the manager's state folder.
    private func run(_ manager: ManagerFixture, _ arguments: String...) async throws -> DurablectlRun {
        try await run(manager, arguments)
    }

    private func run(_ manager: ManagerFixture, _ arguments: [String]) async throws -> DurablectlRun {
        try await DurablectlRun.run(arguments, home: manager.folder)
    }

    @Test func objectsStatsAndShowAgreeWithTheJournalWhileRunningAfterAKillAndAfterACleanStop() async throws {
        let began = Date().timeIntervalSince1970
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let samples = try await SampleObjects.create(on: manager, client: client)

        // Read-only while the manager runs and the client is connected.
        try await expectListing(manager, samples, after: "running")
        try await expectStats(manager, samples, running: true, clean: false, began: began, after: "running")
        try await expectShow(manager, samples, after: "running")

        // A crash leaves the records in the journal, unclean.
        await client.shutdown()
        await manager.kill()
        // The file and its WAL as the crash left them: a reader must not fold the WAL in.
        let killed = (fileBytes(manager.journalPath), fileBytes(manager.journalPath + "-wal"))
        #expect(killed.1.map { !$0.isEmpty } == true, "the crash left the records in the WAL")
        try await expectListing(manager, samples, after: "SIGKILL")
        try await expectStats(manager, samples, running: false, clean: false, began: began, after: "SIGKILL")
        try await expectShow(manager, samples, after: "SIGKILL")
        #expect(fileBytes(manager.journalPath) == killed.0, "a reading command changed the journal file after a crash")
        #expect(fileBytes(manager.journalPath + "-wal") == killed.1, "a reading command changed the WAL after a crash")

        // A restart and a clean stop fold them into the checkpoint: no record is left.
        try await manager.restart()
        #expect(await manager.terminate() == 0)
        #expect(try JournalDatabase(path: manager.journalPath).journalRecords() == 0)
        let before = try #require(fileBytes(manager.journalPath))
        try await expectListing(manager, samples, after: "a clean stop")
        try await expectStats(manager, samples, running: false, clean: true, began: began, after: "a clean stop")
        try await expectShow(manager, samples, after: "a clean stop")
        let journal = try await run(manager, "journal", "--json", "--journal", manager.journalPath)
        #expect(journal.status == 0 && journal.lines.isEmpty, "no record after a clean stop: \(journal.summary)")
        #expect(fileBytes(manager.journalPath) == before, "a reading command changed the journal file")
        // And a manager still starts on the file the commands read.
        try await manager.restart()
        let again = try await manager.connect()
        try await samples.expectRestored(through: again, after: "the reading commands")
        await again.shutdown()
        await manager.stop()
    }

    /// `objects --json` and the table, against the journal's tables.
    private func expectListing(_ manager: ManagerFixture, _ samples: SampleObjects, after: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let database = try JournalDatabase(path: manager.journalPath)
        let expected = samples.expected.sorted { samples.ids[$0.label]! < samples.ids[$1.label]! }
        let listing = try await run(manager, "objects", "--json", "--journal", manager.journalPath)
        #expect(listing.status == 0, "\(after): \(listing.summary)", sourceLocation: sourceLocation)
        let rows = try #require(try listing.json() as? [[String: Any]], "\(after): \(listing.summary)", sourceLocation: sourceLocation)
        #expect(
            rows.map { jsonInt($0["id"]) } == expected.map { Int(samples.ids[$0.label]!) },
            "every object, sorted by id, \(after): \(listing.output)", sourceLocation: sourceLocation
        )
        var lastSeqs: [String: Int] = [:]
        for object in expected {
            let id = samples.ids[object.label]!
            guard let row = rows.first(where: { jsonInt($0["id"]) == Int(id) }) else { continue }
            let context = "\(object.label) \(after): \(canonicalJSON(row))"
            if let name = object.name {
                #expect(row["name"] as? String == name, "\(context)", sourceLocation: sourceLocation)
            } else {
                #expect(isNull(row["name"]), "\(context)", sourceLocation: sourceLocation)
            }
            #expect(row["type"] as? String == object.type, "\(context)", sourceLocation: sourceLocation)
            if let size = object.size {
                #expect(jsonInt(row["size"]) == size, "\(context)", sourceLocation: sourceLocation)
            } else {
                #expect(isNull(row["size"]), "\(context)", sourceLocation: sourceLocation)
            }
            let lastSeq = try database.seqs(of: id).last
            lastSeqs[object.label] = lastSeq
            if let lastSeq {
                #expect(jsonInt(row["lastSeq"]) == lastSeq, "\(context)", sourceLocation: sourceLocation)
            } else {
                #expect(isNull(row["lastSeq"]), "no record since the checkpoint, \(context)", sourceLocation: sourceLocation)
            }
        }

        let table = try await run(manager, "objects", "--journal", manager.journalPath)
        #expect(table.status == 0, "\(after): \(table.summary)", sourceLocation: sourceLocation)
        #expect(
            table.lines.first?.split(separator: " ").joined(separator: " ") == "ID NAME TYPE SIZE LAST SEQ",
            "\(after): \(table.output)", sourceLocation: sourceLocation
        )
        let tableRows = table.lines.dropFirst().filter { !$0.allSatisfy(\.isWhitespace) }
        #expect(tableRows.count == expected.count, "\(after): \(table.output)", sourceLocation: sourceLocation)
        for (line, object) in zip(tableRows, expected) {
            let id = samples.ids[object.label]!
            let fields = columns(line, leading: 4)
            let lastSeq = lastSeqs[object.label]
            #expect(fields[0] == "\(id)" || fields[0] == "#\(id)", "\(object.label) \(after): \(line)", sourceLocation: sourceLocation)
            #expect(fields[1] == (object.name ?? "-"), "\(object.label) \(after): \(line)", sourceLocation: sourceLocation)
            #expect(fields[2] == object.type, "\(object.label) \(after): \(line)", sourceLocation: sourceLocation)
            #expect(fields[3] == object.size.map(String.init) ?? "-", "\(object.label) \(after): \(line)", sourceLocation: sourceLocation)
            #expect(fields[4] == lastSeq.map(String.init) ?? "-", "\(object.label) \(after): \(line)", sourceLocation: sourceLocation)
        }
    }

    /// `stats --json` and the `key: value` lines, against the journal's tables and files.
    private func expectStats(
        _ manager: ManagerFixture, _ samples: SampleObjects, running: Bool, clean: Bool, began: Double, after: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let run = try await run(manager, "stats", "--json", "--journal", manager.journalPath)
        #expect(run.status == 0, "\(after): \(run.summary)", sourceLocation: sourceLocation)
        let stats = try run.jsonObject()
        let context = "\(after): \(run.output)"
        let database = try JournalDatabase(path: manager.journalPath)
        let seqs = try database.seqs()
        let checkpointSeq = try database.checkpointSeq()
        #expect(stats["path"] as? String == manager.journalPath, "\(context)", sourceLocation: sourceLocation)
        #expect(jsonInt(stats["schemaVersion"]) == (try database.schemaVersion()), "\(context)", sourceLocation: sourceLocation)
        #expect(jsonInt(stats["epoch"]) == (try database.managerState("epoch")), "\(context)", sourceLocation: sourceLocation)
        // The journal's flag is 0 both while running and after a crash: `state` tells them apart.
        #expect((try database.managerState("clean_shutdown")) == (clean ? 1 : 0), "the journal's own flag \(after)", sourceLocation: sourceLocation)
        let state = running ? "running" : clean ? "stoppedCleanly" : "stoppedUncleanly"
        #expect(stats["state"] as? String == state, "\(context)", sourceLocation: sourceLocation)
        #expect(stats["cleanShutdown"] == nil, "the field that read as a crash while running is gone: \(context)", sourceLocation: sourceLocation)
        #expect(jsonBool(stats["running"]) == running, "\(context)", sourceLocation: sourceLocation)
        if running {
            #expect(jsonInt(stats["managerPid"]) == Int(manager.pid), "\(context)", sourceLocation: sourceLocation)
            #expect(isNull(stats["nextStartReplays"]), "\(context)", sourceLocation: sourceLocation)
        } else {
            #expect(isNull(stats["managerPid"]), "\(context)", sourceLocation: sourceLocation)
            #expect(jsonInt(stats["nextStartReplays"]) == seqs.count, "\(context)", sourceLocation: sourceLocation)
        }
        #expect(jsonInt(stats["records"]) == seqs.count, "\(context)", sourceLocation: sourceLocation)
        if let first = seqs.first {
            #expect(jsonInt(stats["firstSeq"]) == first, "\(context)", sourceLocation: sourceLocation)
        } else {
            #expect(isNull(stats["firstSeq"]), "\(context)", sourceLocation: sourceLocation)
        }
        #expect(jsonInt(stats["lastSeq"]) == max(seqs.last ?? 0, checkpointSeq), "\(context)", sourceLocation: sourceLocation)
        #expect(jsonInt(stats["checkpointSeq"]) == checkpointSeq, "\(context)", sourceLocation: sourceLocation)
        let now = Date().timeIntervalSince1970
        if clean {
            // The clean stop just checkpointed.
            let time = jsonDouble(stats["lastCheckpointTime"])
            #expect(time.map { $0 >= began - 1 && $0 <= now + 1 } == true, "\(context)", sourceLocation: sourceLocation)
        } else {
            #expect(isNull(stats["lastCheckpointTime"]) || jsonDouble(stats["lastCheckpointTime"]).map { $0 <= now + 1 } == true, "\(context)", sourceLocation: sourceLocation)
        }
        if running {
            #expect((jsonInt(stats["databaseBytes"]) ?? 0) > 0, "\(context)", sourceLocation: sourceLocation)
            #expect(jsonInt(stats["walBytes"]) != nil, "\(context)", sourceLocation: sourceLocation)
        } else {
            #expect(jsonInt(stats["databaseBytes"]) == fileSize(manager.journalPath), "\(context)", sourceLocation: sourceLocation)
            #expect(jsonInt(stats["walBytes"]) == fileSize(manager.journalPath + "-wal"), "\(context)", sourceLocation: sourceLocation)
        }
        #expect(jsonInt(stats["objects"]) == samples.expected.count, "\(context)", sourceLocation: sourceLocation)
        #expect(
            canonicalJSON(stats["objectsByType"] ?? NSNull()) == canonicalJSON(SampleObjects.countsByType),
            "\(context)", sourceLocation: sourceLocation
        )

        let human = try await self.run(manager, "stats", "--journal", manager.journalPath)
        #expect(human.status == 0, "\(after): \(human.summary)", sourceLocation: sourceLocation)
        #expect(human.lines.count >= 10, "\(after): \(human.output)", sourceLocation: sourceLocation)
        for line in human.lines where !line.isEmpty {
            #expect(line.contains(": "), "not a key: value line \(after): \(line)", sourceLocation: sourceLocation)
        }
        #expect(human.lines.contains { $0.contains(manager.journalPath) }, "\(after): \(human.output)", sourceLocation: sourceLocation)
        // One sentence for the three states, which cannot be misread.
        let sentence = if running {
            "state: running (pid \(manager.pid))"
        } else if clean {
            "state: stopped cleanly: the next start replays \(seqs.isEmpty ? "nothing" : "\(seqs.count) records")"
        } else {
            "state: stopped without a clean stop (crashed or killed): the next start replays \(seqs.count) records"
        }
        #expect(human.lines.first == sentence, "\(after): \(human.output)", sourceLocation: sourceLocation)
        #expect(!human.lines.contains { $0.hasPrefix("cleanShutdown:") || $0.hasPrefix("running:") }, "\(after): \(human.output)", sourceLocation: sourceLocation)
    }

    /// `show` of every object, by name, `#ID` and plain ID.
    private func expectShow(_ manager: ManagerFixture, _ samples: SampleObjects, after: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for object in samples.expected {
            let id = samples.ids[object.label]!
            for spelling in [object.name, "#\(id)", "\(id)"].compactMap({ $0 }) {
                let show = try await run(manager, "show", spelling, "--journal", manager.journalPath)
                #expect(show.status == 0, "\(after): \(show.summary)", sourceLocation: sourceLocation)
                #expect(show.lines.count == 1, "one line of JSON \(after): \(show.summary)", sourceLocation: sourceLocation)
                #expect(
                    canonicalJSON(parsing: show.output) == canonicalJSON(parsing: object.state),
                    "show \(spelling) (\(object.label)) \(after)", sourceLocation: sourceLocation
                )
            }
        }
        // A dict's entries print in insertion order, which is not the keys' order.
        let status = try await run(manager, "show", "status", "--journal", manager.journalPath)
        let second = status.output.range(of: #""job-2""#)?.lowerBound
        let first = status.output.range(of: #""job-1""#)?.lowerBound
        #expect(second != nil && first != nil && second! < first!, "\(after): \(status.summary)", sourceLocation: sourceLocation)
    }

    @Test func showAtASeqGivesTheStateAsOfThatRecordBackToTheLastCheckpoint() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let first: ValueProxy<Int> = try await client.value("first", 1)
        try await first.set(2)
        let history: DictProxy<String, String> = try await client.dict("history")
        try await history.set("mode", "first")
        try await history.set("mode", "second")
        let line: QueueProxy<String> = try await client.queue("line")
        try await line.put("a")
        try await line.put("b")
        #expect(try await line.get() == "a")

        let historyID = history.reference.id
        let lineID = line.reference.id
        let database = try JournalDatabase(path: manager.journalPath)
        let created = try #require(try database.seqs(of: historyID, op: "create").first)
        let sets = try database.seqs(of: historyID, op: "__setitem__")
        let puts = try database.seqs(of: lineID, op: "put")
        let gets = try database.seqs(of: lineID, op: "get")
        try #require(sets.count == 2 && puts.count == 2 && gets.count == 1)
        #expect(created > 1, "another object's records come first")

        func show(_ object: String, at seq: Int) async throws -> DurablectlRun {
            try await run(manager, "show", object, "--journal", manager.journalPath, "--at", "\(seq)")
        }
        func expectShown(_ object: String, at seq: Int?, _ state: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let arguments = ["show", object, "--journal", manager.journalPath] + (seq.map { ["--at", "\($0)"] } ?? [])
            let run = try await DurablectlRun.run(arguments, home: manager.folder)
            #expect(run.status == 0, "\(run.summary)", sourceLocation: sourceLocation)
            #expect(canonicalJSON(parsing: run.output) == canonicalJSON(parsing: state), "\(run.summary)", sourceLocation: sourceLocation)
        }
        try await expectShown("history", at: created, "{}")
        try await expectShown("history", at: sets[0], #"{"mode": "first"}"#)
        try await expectShown("#\(historyID)", at: sets[0], #"{"mode": "first"}"#)
        try await expectShown("history", at: sets[1], #"{"mode": "second"}"#)
        try await expectShown("history", at: nil, #"{"mode": "second"}"#)
        // A later record of another object changes nothing.
        try await expectShown("history", at: puts[0], #"{"mode": "second"}"#)
        try await expectShown("line", at: puts[0], #"{"maxsize": 0, "items": ["a"], "unfinished": 1}"#)
        try await expectShown("line", at: puts[1], #"{"maxsize": 0, "items": ["a", "b"], "unfinished": 2}"#)
        try await expectShown("line", at: gets[0], #"{"maxsize": 0, "items": ["b"], "unfinished": 2}"#)
        try await expectShown("first", at: created - 1, "2")
        // Before its create record the dict did not exist.
        try await show("history", at: created - 1).expectError(66)

        // After a checkpoint only its seq and later can be shown.
        try await client.checkpoint()
        try await history.set("mode", "third")
        let checkpointSeq = try database.checkpointSeq()
        let third = try #require(try database.seqs(of: historyID, op: "__setitem__").last)
        #expect(checkpointSeq >= gets[0])
        #expect(third > checkpointSeq)
        let refused = try await show("history", at: sets[0])
        refused.expectError(65)
        #expect(
            mentions(refused.standardError, "\(checkpointSeq)") || mentions(refused.standardError, "\(checkpointSeq + 1)"),
            "the message says which seqs are still in the journal: \(refused.summary)"
        )
        try await expectShown("history", at: checkpointSeq, #"{"mode": "second"}"#)
        try await expectShown("history", at: third, #"{"mode": "third"}"#)
        try await expectShown("history", at: nil, #"{"mode": "third"}"#)

        // An object whose name was deleted (its proxy keeps it alive) is shown by id only.
        let temporary: ValueProxy<String> = try await client.value("temporary", "kept")
        #expect(try await client.delete("temporary"))
        try await run(manager, "show", "temporary", "--journal", manager.journalPath).expectError(66, containing: "temporary")
        try await expectShown("#\(temporary.reference.id)", at: nil, #""kept""#)
        let listing = try await run(manager, "objects", "--json", "--journal", manager.journalPath)
        let row = (try listing.json() as? [[String: Any]])?.first { jsonInt($0["id"]) == Int(temporary.reference.id) }
        #expect(row != nil && isNull(row?["name"]), "\(listing.summary)")
        let records = try await run(manager, "journal", "--json", "--object", "#\(temporary.reference.id)", "--journal", manager.journalPath)
        #expect(try records.jsonLines().map { $0["op"] as? String } == ["create", "unname"], "\(records.summary)")
        await client.shutdown()
        await manager.stop()
    }

    @Test func aDroppedObjectIsGoneButItsPastCanStillBeShown() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let kept: ValueProxy<Int> = try await client.value("kept", 1)
        let scratch: ListProxy<String> = try await client.list()
        try await scratch.append("draft")
        let scratchID = scratch.reference.id
        // Nothing refers to the anonymous list once its only client is gone: after the session
        // grace the manager drops it.
        await client.shutdown()
        let database = try JournalDatabase(path: manager.journalPath)
        let deadline = ContinuousClock.now + .seconds(15)
        while try database.seqs(of: scratchID, op: "drop").isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let appended = try #require(try database.seqs(of: scratchID, op: "append").first)
        let dropped = try #require(try database.seqs(of: scratchID, op: "drop").first, "the list was never dropped")

        let listing = try await run(manager, "objects", "--json", "--journal", manager.journalPath)
        #expect(try (listing.json() as? [[String: Any]])?.map { jsonInt($0["id"]) } == [Int(kept.reference.id)], "\(listing.summary)")
        try await run(manager, "show", "#\(scratchID)", "--journal", manager.journalPath).expectError(66)
        try await run(manager, "show", "#\(scratchID)", "--at", "\(dropped)", "--journal", manager.journalPath).expectError(66)
        let before = try await run(manager, "show", "#\(scratchID)", "--at", "\(appended)", "--journal", manager.journalPath)
        #expect(before.status == 0 && canonicalJSON(parsing: before.output) == #"["draft"]"#, "\(before.summary)")
        let records = try await run(manager, "journal", "--json", "--object", "#\(scratchID)", "--journal", manager.journalPath)
        #expect(try records.jsonLines().map { $0["op"] as? String } == ["create", "append", "drop"], "\(records.summary)")
        let stats = try await run(manager, "stats", "--json", "--journal", manager.journalPath).jsonObject()
        #expect(jsonInt(stats["objects"]) == 1, "\(canonicalJSON(stats))")
        let verified = try await run(manager, "verify", "--journal", manager.journalPath)
        #expect(verified.status == 0, "\(verified.summary)")
        // After a kill the restart replays the drop too, and a clean stop folds it away.
        await manager.kill()
        try await manager.restart()
        #expect(await manager.terminate() == 0)
        let after = try await run(manager, "objects", "--json", "--journal", manager.journalPath)
        #expect(try (after.json() as? [[String: Any]])?.map { jsonInt($0["id"]) } == [Int(kept.reference.id)], "\(after.summary)")
        await manager.stop()
    }

    @Test func journalPrintsRecordsOldestFirstAndFiltersThem() async throws {
        let began = Date().timeIntervalSince1970
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let samples = try await SampleObjects.create(on: manager, client: client)
        let database = try JournalDatabase(path: manager.journalPath)
        let seqs = try database.seqs()
        try #require(seqs.count > 10)

        let all = try await run(manager, "journal", "--json", "--journal", manager.journalPath)
        #expect(all.status == 0, "\(all.summary)")
        let records = try all.jsonLines()
        #expect(records.map { jsonInt($0["seq"]) } == seqs, "every record, oldest first")
        let now = Date().timeIntervalSince1970
        // First the manager's start: object 0, op start, one map of what the start found.
        let start = try #require(records.first)
        #expect(jsonInt(start["object"]) == 0 && start["op"] as? String == "start", "\(canonicalJSON(start))")
        let found = try #require((start["args"] as? [Any])?.first as? [String: Any], "\(canonicalJSON(start))")
        #expect(jsonInt(found["epoch"]) == 1 && jsonInt(found["pid"]) == Int(manager.pid), "\(canonicalJSON(start))")
        #expect(found["lastStop"] as? String == "none" && jsonInt(found["replayed"]) == 0, "a new journal: \(canonicalJSON(start))")
        let byID = Dictionary(uniqueKeysWithValues: samples.expected.map { (Int(samples.ids[$0.label]!), $0) })
        for record in records.dropFirst() {
            let context = canonicalJSON(record)
            #expect(jsonDouble(record["time"]).map { $0 >= began - 1 && $0 <= now + 1 } == true, "\(context)")
            let object = try #require(jsonInt(record["object"]).flatMap { byID[$0] }, "a record of no sample object: \(context)")
            if let name = object.name {
                #expect(record["name"] as? String == name, "\(context)")
            } else {
                #expect(isNull(record["name"]), "\(context)")
            }
            #expect(record["type"] as? String == object.type, "\(context)")
            #expect(record["args"] is [Any], "\(context)")
        }
        // Each object's records: the manager's create, then its own operations with their arguments.
        func expectRecords(_ label: String, _ expected: [(op: String, args: String)], sourceLocation: SourceLocation = #_sourceLocation) {
            let id = Int(samples.ids[label]!)
            let mine = records.filter { jsonInt($0["object"]) == id }
            #expect(mine.map { $0["op"] as? String ?? "?" } == expected.map(\.op), "\(label)", sourceLocation: sourceLocation)
            for (record, expected) in zip(mine, expected) {
                #expect(canonicalJSON(record["args"] ?? NSNull()) == canonicalJSON(parsing: expected.args), "\(label) \(expected.op)", sourceLocation: sourceLocation)
            }
        }
        let anonymous = samples.ids["anon"]!
        expectRecords("status", [
            ("create", #"["dict", "status", []]"#), ("__setitem__", #"["job-2", "running"]"#),
            ("__setitem__", #"["job-1", "queued"]"#), ("__setitem__", #"["job-1", "done"]"#),
        ])
        expectRecords("log", [("create", #"["list", "log", []]"#), ("extend", "[[3, 1, 2]]"), ("append", "[4]")])
        expectRecords("settings", [
            ("create", #"["Namespace", "settings", []]"#), ("__setattr__", #"["phase", "loading"]"#), ("__setattr__", #"["retries", 3]"#),
        ])
        expectRecords("counter", [("create", #"["Value", "counter", [0]]"#), ("set", "[41]"), ("set", "[42]")])
        expectRecords("jobs", [
            ("create", #"["Queue", "jobs", [0]]"#), ("put", #"["a"]"#), ("put", #"["b"]"#), ("put", #"["c"]"#), ("get", "[]"),
        ])
        expectRecords("tasks", [
            ("create", #"["JoinableQueue", "tasks", [5]]"#), ("put", "[1]"), ("put", "[2]"), ("get", "[]"), ("task_done", "[]"),
        ])
        expectRecords("index", [
            ("create", #"["dict", "index", []]"#), ("__setitem__", #"["pending", {"$ref": \#(anonymous), "type": "list"}]"#),
        ])
        expectRecords("anon", [("create", #"["list", null, []]"#), ("append", #"["x"]"#)])
        expectRecords("byNumber", [("create", #"["dict", "byNumber", []]"#), ("__setitem__", #"[2, "two"]"#), ("__setitem__", #"[1, "one"]"#)])
        expectRecords("shell", [("create", #"["dict", "shell", []]"#), ("__setitem__", #"["blob", {"$bytes": "00ff"}]"#)])

        func selected(_ arguments: String...) async throws -> [Int?] {
            let run = try await run(manager, ["journal", "--json", "--journal", manager.journalPath] + arguments)
            #expect(run.status == 0, "\(run.summary)")
            return try run.jsonLines().map { jsonInt($0["seq"]) }
        }
        let middle = seqs[seqs.count / 2]
        #expect(try await selected("--since", "\(middle)") == seqs.filter { $0 > middle })
        #expect(try await selected("--since", "\(seqs.last!)") == [])
        #expect(try await selected("--tail", "3") == Array(seqs.suffix(3)))
        #expect(try await selected("--since", "\(seqs[0])", "--tail", "2") == Array(seqs.suffix(2)))
        #expect(try await selected("--since", "\(middle)", "--tail", "\(seqs.count)") == seqs.filter { $0 > middle })
        let status = samples.ids["status"]!
        let statusSeqs = try database.seqs(of: status)
        #expect(statusSeqs.count == 4)
        #expect(try await selected("--object", "status") == statusSeqs)
        #expect(try await selected("--object", "#\(status)") == statusSeqs)
        #expect(try await selected("--object", "\(status)") == statusSeqs)
        #expect(try await selected("--object", "status", "--since", "\(statusSeqs[1])") == Array(statusSeqs.dropFirst(2)))
        #expect(try await selected("--object", "log", "--tail", "1") == [try database.seqs(of: samples.ids["log"]!, op: "append").last])
        #expect(try await selected("--object", "#\(anonymous)") == (try database.seqs(of: anonymous)))
        try await run(manager, "journal", "--object", "nosuch", "--journal", manager.journalPath).expectError(66, containing: "nosuch")

        // The human form: SEQ, ISO 8601 time, name or #ID, op, arguments as JSON, and who: by SESSION#REQUEST.
        let counterLines = try await run(manager, "journal", "--object", "counter", "--journal", manager.journalPath)
        #expect(counterLines.status == 0, "\(counterLines.summary)")
        let counterSeqs = try database.seqs(of: samples.ids["counter"]!)
        #expect(counterLines.lines.count == 3, "\(counterLines.output)")
        for (line, (seq, (op, args))) in zip(counterLines.lines, zip(counterSeqs, [("create", #"["Value", "counter", [0]]"#), ("set", "[41]"), ("set", "[42]")])) {
            let fields = columns(line, leading: 4)
            #expect(fields[0] == "\(seq)", "\(line)")
            let time = parseISO8601(fields[1])?.timeIntervalSince1970
            #expect(time.map { $0 >= began - 1 && $0 <= now + 1 } == true, "an ISO 8601 time of this test: \(line)")
            #expect(fields[1].hasSuffix("Z"), "UTC: \(line)")
            #expect(fields[2] == "counter", "\(line)")
            #expect(fields[3] == op, "\(line)")
            let parts = fields[4].components(separatedBy: "  by ")
            try #require(parts.count == 2, "\(line)")
            #expect(canonicalJSON(parsing: parts[0]) == canonicalJSON(parsing: args), "\(line)")
            // The client's session and its request id.
            #expect(parts[1].wholeMatch(of: /[0-9a-f]{32}#[0-9]+/) != nil, "\(line)")
        }
        let anonymousLines = try await run(manager, "journal", "--object", "#\(anonymous)", "--journal", manager.journalPath)
        #expect(anonymousLines.lines.map { columns($0, leading: 4)[2] } == ["#\(anonymous)", "#\(anonymous)"], "\(anonymousLines.output)")

        // With no --journal, the state folder's manager.sqlite (without --from-journal, `objects`
        // asks the manager running there).
        let named = try await run(manager, "objects", "--json", "--journal", manager.journalPath)
        let defaulted = try await run(manager, "objects", "--json", "--from-journal")
        #expect(defaulted.status == 0, "\(defaulted.summary)")
        #expect(canonicalJSON(parsing: defaulted.output) == canonicalJSON(parsing: named.output))
        #expect(try await run(manager, "stats", "--json").jsonObject()["path"] as? String == manager.journalPath)
        await client.shutdown()
        await manager.stop()
    }

    @Test func readersSeeOneConsistentStateWhileTheManagerWritesAndCheckpoints() async throws {
        // A checkpoint every 50 records, under a client that sets k0 = 0, k1 = 1... one call at
        // a time: each read must see a whole prefix, never a state torn between the
        // checkpoint's tables and the records after it.
        let count = 4000
        let manager = try await ManagerFixture.start(extraArguments: ["--checkpoint-every", "50"])
        let filler = try manager.client("fill-dict", "bounded", "\(count)")
        var seen = 0
        var samples = 0
        var statsSamples = 0
        var exportSamples = 0
        let deadline = ContinuousClock.now + .seconds(120)
        func expectPrefix(_ state: Any?, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) -> Int? {
            guard let fields = state.map(plainMaps) as? [String: Any] else {
                Issue.record("not a dict's state \(context)", sourceLocation: sourceLocation)
                return nil
            }
            let contiguous = (0..<fields.count).allSatisfy { jsonInt(fields["k\($0)"]) == $0 }
            #expect(contiguous, "not k0...k\(fields.count - 1) \(context)", sourceLocation: sourceLocation)
            #expect(fields.count >= seen, "went back from \(seen) entries to \(fields.count) \(context)", sourceLocation: sourceLocation)
            return fields.count
        }
        while filler.process.isRunning, ContinuousClock.now < deadline {
            samples += 1
            switch samples % 3 {
            case 0:
                let show = try await run(manager, "show", "bounded", "--journal", manager.journalPath)
                if show.status == 66, seen == 0 { continue }
                #expect(show.status == 0, "\(show.summary)")
                seen = expectPrefix(try? show.json(), "in show") ?? seen
            case 1:
                let export = try await run(manager, "export", "--journal", manager.journalPath)
                #expect(export.status == 0, "\(export.summary.prefix(500))")
                let objects = (try? export.jsonObject())?["objects"] as? [[String: Any]] ?? []
                guard let bounded = objects.first(where: { $0["name"] as? String == "bounded" }) else { continue }
                exportSamples += 1
                seen = expectPrefix(bounded["state"], "in export") ?? seen
            default:
                let statsRun = try await run(manager, "stats", "--json", "--journal", manager.journalPath)
                #expect(statsRun.status == 0, "\(statsRun.summary)")
                let stats = try statsRun.jsonObject()
                guard let records = jsonInt(stats["records"]), records > 0,
                      let checkpointSeq = jsonInt(stats["checkpointSeq"]), checkpointSeq > 0 else { continue }
                statsSamples += 1
                // The records left are exactly those after the checkpoint.
                #expect(jsonInt(stats["firstSeq"]) == checkpointSeq + 1, "\(statsRun.output)")
                #expect(jsonInt(stats["lastSeq"]) == checkpointSeq + records, "\(statsRun.output)")
            }
        }
        #expect(await filler.nextLine() == "filled \(count)")
        #expect(await filler.waitForExit() == 0)
        print("consistent reads: \(samples) samples, \(exportSamples) exports and \(statsSamples) stats after a checkpoint; \(seen) of \(count) entries seen")
        #expect(samples > 6, "too few reads during the load to mean anything")
        #expect(statsSamples > 0 && exportSamples > 0)
        let final = try await run(manager, "show", "bounded", "--journal", manager.journalPath)
        seen = 0
        #expect(expectPrefix(try? final.json(), "at the end") == count)
        let verified = try await run(manager, "verify", "--json", "--journal", manager.journalPath)
        #expect(verified.status == 0, "\(verified.summary)")
        #expect(jsonBool(try verified.jsonObject()["ok"]) == true, "\(verified.summary)")
        await manager.stop()
    }

    @Test func followPrintsEachRecordOnceAsItIsCommittedThroughACheckpointAndARestart() async throws {
        let manager = try await ManagerFixture.start()
        var client = try await manager.connect()
        let counter: ValueProxy<Int> = try await client.value("counter", 0)
        try await counter.set(1)
        let counterID = counter.reference.id
        let existing = try JournalDatabase(path: manager.journalPath).seqs()
        #expect(existing.count == 3, "the manager's start, the counter's create and set")

        let follower = try ChildProcess(
            "durablectl", ["journal", "--follow", "--json", "--journal", manager.journalPath],
            environment: ["DURABLE_MANAGER_HOME": manager.folder], captureStandardError: true
        )
        // Only the counter's records, and only new ones.
        let counterFollower = try ChildProcess(
            "durablectl", ["journal", "--follow", "--json", "--object", "counter", "--since", "\(existing.last!)", "--journal", manager.journalPath],
            environment: ["DURABLE_MANAGER_HOME": manager.folder], captureStandardError: true
        )
        func next(_ child: ChildProcess, _ context: String) async throws -> [String: Any] {
            let line = try #require(await child.nextLine(timeout: .seconds(15)), "no record printed \(context): \(child.standardErrorText())")
            return try #require(try parseJSON(line) as? [String: Any], "not a JSON record \(context): \(line)")
        }
        var printed: [Int?] = []
        for _ in existing { printed.append(jsonInt(try await next(follower, "from before the start")["seq"])) }
        #expect(printed == existing)

        // A mutation made now is printed once it is committed.
        try await counter.set(2)
        let second = try await next(follower, "after set(2)")
        let afterSet = try JournalDatabase(path: manager.journalPath).seqs()
        #expect(jsonInt(second["seq"]) == afterSet.last)
        #expect(jsonInt(second["object"]) == Int(counterID))
        #expect(second["name"] as? String == "counter")
        #expect(second["type"] as? String == "Value")
        #expect(second["op"] as? String == "set")
        #expect(canonicalJSON(second["args"] ?? NSNull()) == "[2]")
        #expect(jsonInt(try await next(counterFollower, "after set(2)")["seq"]) == afterSet.last)

        // Records another client process commits, in order.
        let producer = try manager.client("produce", "3", "jobs", "produced")
        #expect(await producer.nextLine() == "produced 3")
        #expect(await producer.waitForExit() == 0)
        var produced: [[String: Any]] = []
        for index in 0..<8 { produced.append(try await next(follower, "produced record \(index)")) }
        let afterProducer = try JournalDatabase(path: manager.journalPath).seqs()
        #expect(produced.map { jsonInt($0["seq"]) } == afterProducer.filter { $0 > afterSet.last! })
        #expect(produced.map { $0["op"] as? String } == ["create", "create", "__setitem__", "put", "__setitem__", "put", "__setitem__", "put"])
        #expect(produced.map { $0["name"] as? String } == ["jobs", "produced", "produced", "jobs", "produced", "jobs", "produced", "jobs"])
        #expect(produced.filter { $0["op"] as? String == "put" }.map { canonicalJSON($0["args"] ?? NSNull()) } == [#"["item-0"]"#, #"["item-1"]"#, #"["item-2"]"#])

        // A checkpoint deletes the rows it folded in; what comes after is still printed.
        try await client.checkpoint()
        try await counter.set(3)
        let third = try await next(follower, "after the checkpoint")
        #expect(third["op"] as? String == "set" && canonicalJSON(third["args"] ?? NSNull()) == "[3]", "\(canonicalJSON(third))")
        #expect((jsonInt(third["seq"]) ?? 0) > afterProducer.last!)
        // The counter's follower skipped the producer's records.
        let counterThird = try await next(counterFollower, "after the checkpoint")
        #expect(jsonInt(counterThird["seq"]) == jsonInt(third["seq"]), "\(canonicalJSON(counterThird))")

        // A crash and a restart: the followers go on with the new manager's records.
        await client.shutdown()
        await manager.kill()
        try await manager.restart()
        client = try await manager.connect()
        let restarted: ValueProxy<Int> = try await client.value("counter", 0)
        #expect(try await restarted.get() == 3)
        try await restarted.set(4)
        // The restart itself is a record: the new epoch, after a kill, the records it replayed.
        let started = try await next(follower, "after the restart")
        #expect(jsonInt(started["object"]) == 0 && started["op"] as? String == "start", "\(canonicalJSON(started))")
        let startArgs = (started["args"] as? [Any])?.first as? [String: Any]
        #expect(jsonInt(startArgs?["epoch"]) == 2 && startArgs?["lastStop"] as? String == "unclean", "\(canonicalJSON(started))")
        let fourth = try await next(follower, "after the restart")
        #expect(fourth["op"] as? String == "set" && canonicalJSON(fourth["args"] ?? NSNull()) == "[4]", "\(canonicalJSON(fourth))")
        #expect((jsonInt(fourth["seq"]) ?? 0) > (jsonInt(third["seq"]) ?? .max))
        #expect(jsonInt(try await next(counterFollower, "after the restart")["seq"]) == jsonInt(fourth["seq"]))

        // SIGINT ends them with status 0, and nothing was printed twice or left unread.
        follower.signal(SIGINT)
        counterFollower.signal(SIGINT)
        #expect(await follower.waitForExit(timeout: .seconds(10)) == 0)
        #expect(await counterFollower.waitForExit(timeout: .seconds(10)) == 0)
        var extra: [String] = []
        while let line = await follower.nextLine(timeout: .seconds(5)) { extra.append(line) }
        while let line = await counterFollower.nextLine(timeout: .seconds(5)) { extra.append(line) }
        #expect(extra.isEmpty, "records printed twice or never made: \(extra)")
        #expect(follower.standardErrorText().isEmpty, "\(follower.standardErrorText())")
        // The counter's follower reads other objects' records without printing them; the
        // checkpoint may fold some in before it reads them, which it may say (but nothing else).
        #expect(
            counterFollower.standardErrorText().split(separator: "\n").allSatisfy { $0.contains("(of any object) were folded into a checkpoint") },
            "\(counterFollower.standardErrorText())"
        )
        await client.shutdown()
        await manager.stop()
    }
}

extension JournalReadingCommandsTests {
    /// A checkpoint right after a write may fold the record in before the follower reads it:
    /// then the follower says so on stderr. Every record is either printed or named there.
    @Test func followNamesRecordsACheckpointFoldedInBeforeTheyWereRead() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let counter: ValueProxy<Int> = try await client.value("counter", 0)
        let follower = try ChildProcess(
            "durablectl", ["journal", "--follow", "--json", "--journal", manager.journalPath],
            environment: ["DURABLE_MANAGER_HOME": manager.folder], captureStandardError: true
        )
        var printed: [Int] = []
        // The manager's start and the counter's create, from before the follower started.
        for _ in 0..<2 {
            let line = try #require(await follower.nextLine(), "\(follower.standardErrorText())")
            let record = try #require(try parseJSON(line) as? [String: Any])
            printed.append(try #require(jsonInt(record["seq"])))
        }
        for round in 1...5 {
            try await counter.set(round)
            try await client.checkpoint()
        }
        try await counter.set(99)
        while let line = await follower.nextLine(timeout: .seconds(15)) {
            let record = try #require(try parseJSON(line) as? [String: Any])
            printed.append(try #require(jsonInt(record["seq"])))
            if canonicalJSON(record["args"] ?? NSNull()) == "[99]" { break }
        }
        follower.signal(SIGINT)
        #expect(await follower.waitForExit(timeout: .seconds(10)) == 0)
        var named: [Int] = []
        for line in follower.standardErrorText().split(separator: "\n") {
            // "durablectl: records A...B were folded into a checkpoint ..."
            let words = line.split(separator: " ")
            let bounds = try #require(words.dropFirst(2).first?.split(separator: ".").compactMap { Int($0) }, "\(line)")
            #expect(line.contains("were folded into a checkpoint"), "\(line)")
            named += Array(bounds[0]...bounds[1])
        }
        let last = try #require(printed.last)
        #expect((printed + named).sorted() == Array(1...last), "printed \(printed), named on stderr \(named)")
        #expect(Set(printed).isDisjoint(with: named))
        await client.shutdown()
        await manager.stop()
    }
}
