// The journal on PostgreSQL, with real managers on the private cluster `scripts/test` starts
// (DURABLE_TEST_POSTGRES): the durability suite's round trips, crash test, refusals and failing
// database, and a standby taking over from a manager killed under load.
import DurableWire
import Foundation
import Proxies
import Synchronization
import Testing

@Suite(.serialized, .enabled(if: PostgresTestDatabase.isAvailable, "no PostgreSQL cluster: run the tests with scripts/test, which starts one"))
struct PostgresJournalTests {
    /// A manager on a schema of its own in the test cluster.
    private func startManager(schema: String, extraArguments: [String] = [], captureStandardError: Bool = false) async throws -> ManagerFixture {
        try await ManagerFixture.start(
            extraArguments: ["--pg-schema", schema] + extraArguments, captureStandardError: captureStandardError,
            journalPath: try PostgresTestDatabase.requiredURI()
        )
    }

    /// Whether `body` went through; a JournalFailure (the object is being read back) is a no.
    private func attempt(_ body: () async throws(ManagerError) -> Void) async -> Bool {
        do {
            try await body()
            return true
        } catch {
            #expect(error.code == .journalFailure, "\(error)")
            return false
        }
    }

    /// A client of `manager`, connected as soon as it listens (a standby that takes over stops
    /// listening for a moment), within 20 s.
    private func connectEventually(_ manager: ManagerFixture) async throws -> SyncManager {
        let deadline = ContinuousClock.now + .seconds(20)
        let authkey = try manager.authkey()
        while true {
            let attempt = await connectOnce(to: manager.address, authkey: authkey)
            if case .failure(let error) = attempt, error.code == .connectionLost, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            return try attempt.get()
        }
    }

    /// Whether `value` was appended to `log`; false when the manager said the change was not
    /// made (JournalFailure); any other error is thrown.
    private func appended(_ value: Int, to log: ListProxy<Int>) async throws(ManagerError) -> Bool {
        do {
            try await log.append(value)
            return true
        } catch where error.code == .journalFailure {
            return false
        }
    }

    private func connectOnce(to address: ManagerAddress, authkey: Authkey) async -> Result<SyncManager, ManagerError> {
        do {
            return .success(try await SyncManager.connect(to: address, authkey: authkey, reconnectWindow: .seconds(20)))
        } catch {
            return .failure(error)
        }
    }

    /// What `ping` says the manager is: `active` or `standby`.
    private func role(of client: SyncManager) async throws -> String? {
        guard case .map(let fields) = try await client.ping(), case .string(let role)? = fields["role"] else { return nil }
        return role
    }

    private func durablectl(_ arguments: [String], schema: String, home: String) async throws -> DurablectlRun {
        try await DurablectlRun.run(arguments + ["--journal", try PostgresTestDatabase.requiredURI(), "--pg-schema", schema], home: home)
    }

    @Test func stateComesBackAfterASigkillAndAfterACleanStop() async throws {
        let schema = PostgresTestDatabase.newSchema()
        let manager = try await startManager(schema: schema)
        var client = try await manager.connect()
        let status = try await client.dict("status", keys: String.self, values: Int.self)
        for index in 0..<300 { try await status.set("k\(index)", index) }
        try await status.delete("k7")
        let items = try await client.list("items", of: String.self)
        try await items.extend(["a", "b", "c"])
        _ = try await items.pop(0)
        let queue = try await client.queue("jobs", of: Int.self)
        for job in 1...5 { try await queue.put(job) }
        #expect(try await queue.get() == 1)
        await client.shutdown()

        await manager.kill()
        try await manager.restart()
        client = try await manager.connect()
        try await expectState(client)
        let jobs = try await client.queue("jobs", of: Int.self)
        #expect(try await jobs.get() == 2)
        await client.shutdown()

        // A clean stop checkpoints: the next start replays only its own start record.
        #expect(await manager.terminate() == 0)
        #expect(try PostgresTestDatabase.psql("SELECT count(*) FROM \(schema).journal") == ["0"])
        #expect(try PostgresTestDatabase.psql("SELECT value FROM \(schema).manager_state WHERE key = 'clean_shutdown'") == ["1"])
        try await manager.restart()
        client = try await manager.connect()
        try await expectState(client)
        #expect(try await role(of: client) == "active")
        await client.shutdown()
        await manager.stop()
    }

    private func expectState(_ client: SyncManager) async throws {
        let status = try await client.dict("status", keys: String.self, values: Int.self)
        #expect(try await status.count() == 299)
        #expect(try await status["k299"] == 299)
        #expect(try await status.get("k7") == nil)
        #expect(try await client.list("items", of: String.self).copy() == ["b", "c"])
        #expect(try await client.queue("jobs", of: Int.self).qsize() >= 3)
    }

    /// `--checkpoint-every` bounds the journal table as on SQLite, and a kill between
    /// checkpoints loses nothing (the start replays only the records after the last one).
    @Test func theAutomaticCheckpointKeepsTheJournalNearItsBound() async throws {
        let schema = PostgresTestDatabase.newSchema()
        let manager = try await startManager(schema: schema, extraArguments: ["--checkpoint-every", "200"])
        let client = try await manager.connect()
        let numbers = try await client.dict("numbers", keys: Int.self, values: Int.self)
        for index in 0..<2_000 { try await numbers.set(index % 700, index) }
        let queue = try await client.queue("jobs", of: Int.self)
        for job in 0..<600 { try await queue.put(job) }
        for _ in 0..<550 { _ = try await queue.get() }
        await client.shutdown()
        let rows = try #require(Int(try PostgresTestDatabase.psql("SELECT count(*) FROM \(schema).journal").first ?? ""))
        #expect(rows <= 260, "\(rows) records left after checkpoints every 200")
        #expect(try PostgresTestDatabase.psql("SELECT value FROM \(schema).manager_state WHERE key = 'checkpoint_seq'").first != "0")
        await manager.kill()
        try await manager.restart()
        let again = try await manager.connect()
        let restored = try await again.dict("numbers", keys: Int.self, values: Int.self)
        #expect(try await restored.count() == 700)
        #expect(try await restored[699] == 1_399)
        #expect(try await restored[0] == 1_400)
        let jobs = try await again.queue("jobs", of: Int.self)
        #expect(try await jobs.qsize() == 50)
        #expect(try await jobs.get() == 550)
        await again.shutdown()
        await manager.stop()
    }

    @Test func theCrashTestHoldsOnPostgres() async throws {
        let cycles = environmentCount("CRASH_CYCLES", default: 5)
        let outcome = try await runCrashCycles(
            cycles: cycles, workers: 3, extraArguments: ["--pg-schema", PostgresTestDatabase.newSchema()],
            journalPath: try PostgresTestDatabase.requiredURI()
        )
        #expect(outcome.problems.isEmpty)
        for worker in 1...3 {
            #expect(outcome.acknowledgedPerWorker["w\(worker)", default: 0] > 0, "worker \(worker) never got a call acknowledged")
        }
        #expect(outcome.ledger.gets.count > 0, "the consumer never took an item")
    }

    @Test func durablectlReadsChecksExportsImportsAndCheckpointsAJournalOnPostgres() async throws {
        let schema = PostgresTestDatabase.newSchema()
        let manager = try await startManager(schema: schema)
        let client = try await manager.connect()
        let status = try await client.dict("status", keys: String.self, values: Int.self)
        try await status.set("a", 1)
        try await status.set("b", 2)
        await client.shutdown()

        let objects = try await durablectl(["objects"], schema: schema, home: manager.folder)
        #expect(objects.status == 0, "\(objects.summary)")
        #expect(objects.lines.contains { $0.contains("status") && $0.contains("dict") })
        let show = try await durablectl(["show", "status"], schema: schema, home: manager.folder)
        #expect(canonicalJSON(parsing: show.output) == canonicalJSON(parsing: #"{"a":1,"b":2}"#), "\(show.summary)")
        let firstSet = try #require(try PostgresTestDatabase.psql("SELECT min(seq) FROM \(schema).journal WHERE op = '__setitem__'").first)
        let earlier = try await durablectl(["show", "status", "--at", firstSet], schema: schema, home: manager.folder)
        #expect(canonicalJSON(parsing: earlier.output) == canonicalJSON(parsing: #"{"a":1}"#), "\(earlier.summary)")
        let log = try await durablectl(["journal"], schema: schema, home: manager.folder)
        #expect(log.lines.contains { $0.contains("__setitem__") && $0.contains(#"["b",2]"#) }, "\(log.summary)")
        let stats = try await durablectl(["stats", "--json"], schema: schema, home: manager.folder)
        let facts = try stats.jsonObject()
        #expect(facts["state"] as? String == "running", "\(stats.summary)")
        #expect(jsonInt(facts["managerPid"]) == Int(manager.pid))
        #expect((facts["path"] as? String)?.contains("schema \(schema)") == true)
        let verify = try await durablectl(["verify"], schema: schema, home: manager.folder)
        #expect(verify.status == 0, "\(verify.summary)")
        // A checkpoint of a journal a manager runs on is refused, naming the manager.
        let busy = try await durablectl(["checkpoint"], schema: schema, home: manager.folder)
        #expect(busy.status != 0)
        #expect(busy.standardError.contains("durablemanager pid \(manager.pid)"), "\(busy.summary)")

        let export = try await durablectl(["export"], schema: schema, home: manager.folder)
        #expect(export.status == 0, "\(export.summary)")
        await manager.terminate()
        let offline = try await durablectl(["checkpoint"], schema: schema, home: manager.folder)
        #expect(offline.status == 0, "\(offline.summary)")

        // The export goes into a new schema, and a manager there serves it.
        let copy = PostgresTestDatabase.newSchema()
        let exportFile = manager.folder + "/export.json"
        try export.output.write(toFile: exportFile, atomically: true, encoding: .utf8)
        let imported = try await durablectl(["import", exportFile], schema: copy, home: manager.folder)
        #expect(imported.status == 0, "\(imported.summary)")
        let again = try await durablectl(["import", exportFile], schema: copy, home: manager.folder)
        #expect(again.status != 0 && again.standardError.contains("already holds"), "\(again.summary)")
        let second = try await startManager(schema: copy)
        let reader = try await second.connect()
        #expect(try await reader.dict("status", keys: String.self, values: Int.self).items().map(\.value) == [1, 2])
        await reader.shutdown()
        await second.stop()
        await manager.stop()
    }

    @Test func aForeignOrNewerSchemaIsRefusedAndLeftAsItWas() async throws {
        let foreign = PostgresTestDatabase.newSchema()
        try PostgresTestDatabase.psql("CREATE SCHEMA \(foreign); CREATE TABLE \(foreign).invoices (id int); INSERT INTO \(foreign).invoices VALUES (7)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dm-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let serve = ["serve", "--listen", "unix:\(folder)/manager.sock"]
        let refused = try await durablectl(serve, schema: foreign, home: folder)
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("is not a DurableManager journal") && refused.standardError.contains("another application"), "\(refused.summary)")
        #expect(try PostgresTestDatabase.psql("SELECT string_agg(table_name, ',') FROM information_schema.tables WHERE table_schema = '\(foreign)'") == ["invoices"])

        let newer = PostgresTestDatabase.newSchema()
        let manager = try await startManager(schema: newer)
        await manager.terminate()
        try PostgresTestDatabase.psql("INSERT INTO \(newer).schema_migrations VALUES (99, '0099_future.sql', 0)")
        let tooNew = try await manager.refusedStart()
        #expect(tooNew.status != 0)
        #expect(tooNew.standardError.contains("newer version (schema 99"), "\(tooNew.summary)")
        let reading = try await durablectl(["stats"], schema: newer, home: folder)
        #expect(reading.standardError.contains("newer version"), "\(reading.summary)")
        let none = try await durablectl(["objects"], schema: PostgresTestDatabase.newSchema(), home: folder)
        #expect(none.status != 0 && none.standardError.contains("holds no tables"), "\(none.summary)")
        await manager.stop()
    }

    /// The dashboard's journal view reads a journal on PostgreSQL as it reads a file.
    @Test func theDashboardShowsTheJournalsRecordsFromPostgres() async throws {
        let schema = PostgresTestDatabase.newSchema()
        let manager = try await DashboardManager(extraArguments: ["--journal", try PostgresTestDatabase.requiredURI(), "--pg-schema", schema])
        defer { Task { await manager.stop() } }
        let client = try await manager.connect()
        try await client.dict("status", keys: String.self, values: String.self).set("job-1", "written to PostgreSQL")
        var found = false
        let deadline = ContinuousClock.now + .seconds(20)
        while !found, ContinuousClock.now < deadline {
            let text = try await manager.get("/api/journal").body
            found = text.contains("written to PostgreSQL") && text.contains("__setitem__")
            if !found { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(found, "the record never reached /api/journal")
        await client.shutdown()
    }

    /// A row that damage (or a hand) removed from the checkpoint is noticed at start: the
    /// manager refuses the journal, names what is missing, and changes nothing.
    @Test func aCheckpointMissingARowIsRefusedAsDamaged() async throws {
        let schema = PostgresTestDatabase.newSchema()
        let manager = try await startManager(schema: schema)
        let client = try await manager.connect()
        try await client.dict("a", keys: String.self, values: Int.self).set("x", 1)
        try await client.dict("b", keys: String.self, values: Int.self).set("y", 2)
        await client.shutdown()
        #expect(await manager.terminate() == 0)
        try PostgresTestDatabase.psql("DELETE FROM \(schema).objects WHERE name = 'b'")
        let refused = try await manager.refusedStart()
        #expect(refused.status != 0)
        // The dict's block outlived its row: the first thing the load trips on.
        #expect(refused.standardError.contains("is damaged") && refused.standardError.contains("belongs to no object"), "\(refused.summary)")
        let verify = try await durablectl(["verify"], schema: schema, home: manager.folder)
        #expect(verify.status == 65 && verify.output.contains("belongs to no object"), "\(verify.summary)")
        // With the block gone too, the count the checkpoint wrote is what tells.
        try PostgresTestDatabase.psql("DELETE FROM \(schema).blocks WHERE object NOT IN (SELECT id FROM \(schema).objects)")
        let counted = try await manager.refusedStart()
        #expect(counted.standardError.contains("objects holds 1 rows, but the last checkpoint wrote 2"), "\(counted.summary)")
        // Numbers out of range, which a next seq would overflow from, are refused before use.
        try PostgresTestDatabase.psql("UPDATE \(schema).manager_state SET value = 9223372036854775807 WHERE key = 'checkpoint_seq'")
        let huge = try await manager.refusedStart()
        #expect(huge.standardError.contains("numbers out of range"), "\(huge.summary)")
        await manager.stop()
    }

    @Test func aSecondManagerIsRefusedWhileTheFirstHoldsTheLease() async throws {
        let schema = PostgresTestDatabase.newSchema()
        let first = try await startManager(schema: schema)
        let second = try await first.refusedStart(extraArguments: ["--listen", "unix:\(first.folder)/second.sock"])
        #expect(second.status != 0)
        #expect(second.standardError.contains("another manager holds its lease (durablemanager pid \(first.pid)"), "\(second.summary)")
        #expect(second.standardError.contains("--standby"))
        await first.stop()
    }

    /// A write the database refuses (a trigger raising SQLSTATE 53100, as a full disk does) is
    /// refused to its caller with JournalFailure and changes nothing; once the database takes
    /// writes again, so does the manager, with nothing lost.
    @Test func aFailingDatabaseRefusesTheWriteLosesNothingAndRecovers() async throws {
        let schema = PostgresTestDatabase.newSchema()
        let manager = try await startManager(schema: schema, captureStandardError: true)
        let client = try await manager.connect()
        let status = try await client.dict("status", keys: String.self, values: Int.self)
        try await status.set("kept", 1)
        try PostgresTestDatabase.psql("""
            CREATE FUNCTION \(schema).refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = '53100'; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON \(schema).journal FOR EACH ROW EXECUTE FUNCTION \(schema).refuse()
            """)
        do {
            try await status.set("lost", 2)
            Issue.record("a write the database refused was acknowledged")
        } catch {
            #expect(error.code == .journalFailure)
            #expect(error.message.contains("No space left on device"))
        }
        try PostgresTestDatabase.psql("DROP TRIGGER refuse ON \(schema).journal")
        // The object is read back from the journal after the failed write; then writes go on.
        var written = false
        for _ in 0..<50 where !written {
            written = await attempt { () throws(ManagerError) in try await status.set("after", 3) }
            if !written { try await Task.sleep(for: .milliseconds(100)) }
        }
        let stored = Dictionary(uniqueKeysWithValues: try await status.items().map { ($0.key, $0.value) })
        #expect(stored == ["kept": 1, "after": 3])
        #expect(manager.process.standardErrorText().contains("the journal") && manager.process.standardErrorText().contains("cannot grow"))
        await client.shutdown()
        await manager.kill()
        try await manager.restart()
        let again = try await manager.connect()
        #expect(Dictionary(uniqueKeysWithValues: try await again.dict("status", keys: String.self, values: Int.self).items().map { ($0.key, $0.value) }) == ["kept": 1, "after": 3])
        await again.shutdown()
        await manager.stop()
    }

    /// The fence: once the journal's epoch is not the manager's own (a successor raised it), the
    /// manager's writes fail in their own transaction, say why, and the manager stops.
    @Test func aManagerWhoseEpochWasRaisedCanWriteNothing() async throws {
        let schema = PostgresTestDatabase.newSchema()
        let manager = try await startManager(schema: schema)
        let client = try await manager.connect()
        let status = try await client.dict("status", keys: String.self, values: Int.self)
        try await status.set("before", 1)
        try PostgresTestDatabase.psql("UPDATE \(schema).manager_state SET value = value + 1 WHERE key = 'epoch'")
        do {
            try await status.set("after", 2)
            Issue.record("a fenced manager acknowledged a write")
        } catch {
            #expect(error.code == .journalFailure)
            #expect(error.message.contains("another manager took over this journal"), "\(error.message)")
        }
        #expect(try PostgresTestDatabase.psql("SELECT count(*) FROM \(schema).journal WHERE op = '__setitem__'") == ["1"])
        // Fenced off, it stops as a manager that lost its lease does.
        #expect(await manager.process.waitForExit(timeout: .seconds(20)) == 65)
        await client.shutdown()
        await manager.stop()
    }

    /// A manager whose database connection is cut stops acknowledging: it stops, with exit 65
    /// and a message that says to start it again as a standby.
    @Test func aManagerWhoseConnectionIsCutStops() async throws {
        let schema = PostgresTestDatabase.newSchema()
        let manager = try await startManager(schema: schema, captureStandardError: true)
        let client = try await manager.connect()
        try await client.dict("status", keys: String.self, values: Int.self).set("a", 1)
        try PostgresTestDatabase.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'durablemanager pid \(manager.pid)'")
        #expect(await manager.process.waitForExit(timeout: .seconds(20)) == 65)
        #expect(manager.process.standardErrorText().contains("with --standby"))
        await client.shutdown()
        await manager.stop()
    }

    /// Clients given both addresses: while the active manager dies and the standby takes over,
    /// their calls go on through the standby, each applied exactly once; a client that connected
    /// while the standby was the only one up waits for it to take over.
    @Test(arguments: ["a SIGKILL of the active manager", "the end of its database session"])
    func clientsGivenBothAddressesCarryOnThroughATakeoverWithNothingLostOrDoubled(when end: String) async throws {
        let schema = PostgresTestDatabase.newSchema()
        let active = try await startManager(schema: schema, extraArguments: ["--log-level", "info"], captureStandardError: true)
        let standby = try await ManagerFixture.start(
            extraArguments: ["--pg-schema", schema, "--standby", "--log-level", "info"], captureStandardError: true,
            journalPath: try PostgresTestDatabase.requiredURI(), authkeyPath: active.authkeyPath
        )
        let addresses = [standby.address, active.address]
        let progress = Progress()
        let writers = (1...3).map { writer in
            Task {
                // The standby first in the list: the client passes it over while it is one.
                let client = try await SyncManager.connect(to: addresses, authkey: try active.authkey())
                let log = try await client.list("log-\(writer)", of: Int.self)
                var next = 0
                while !progress.stopped {
                    // JournalFailure says the append was not made: the same one is made again.
                    // Any other error ends the writer, and the test.
                    guard try await appended(next, to: log) else { continue }
                    next += 1
                    progress.made(writer, next)
                }
                await client.shutdown()
                return next
            }
        }
        while progress.least < 30 { try await Task.sleep(for: .milliseconds(5)) }
        if end.hasPrefix("a SIGKILL") {
            await active.kill()
        } else {
            // Commits are in flight when the session ends: their callers are cut off, not told
            // "failed", and send again to the standby, which answers each exactly once.
            try PostgresTestDatabase.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'durablemanager pid \(active.pid)'")
            #expect(await active.process.waitForExit(timeout: .seconds(20)) == 65)
        }
        let killed = progress.snapshot
        let deadline = ContinuousClock.now + .seconds(30)
        while progress.least(after: killed) < 30, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(progress.least(after: killed) >= 30, "the writers stalled after \(end): \(progress.snapshot) \(active.process.standardErrorText().suffix(3000)) \(standby.process.standardErrorText().suffix(3000))")
        progress.stop()
        var totals: [Int: Int] = [:]
        for (index, writer) in writers.enumerated() { totals[index + 1] = try await writer.value }

        let reader = try await standby.connect()
        #expect(try await role(of: reader) == "active")
        for (writer, total) in totals {
            #expect(try await reader.list("log-\(writer)", of: Int.self).copy() == Array(0..<total), "writer \(writer)")
        }
        await reader.shutdown()
        await standby.stop()
        await active.stop()
    }

    /// A standby whose own database session ends while it waits connects again and still takes over.
    @Test func aStandbyOutlastsTheLossOfItsOwnDatabaseSession() async throws {
        let schema = PostgresTestDatabase.newSchema()
        let active = try await startManager(schema: schema)
        let client = try await active.connect()
        try await client.dict("status", keys: String.self, values: Int.self).set("before", 1)
        await client.shutdown()
        let standby = try await startManager(schema: schema, extraArguments: ["--standby"], captureStandardError: true)
        let session = "application_name = 'durablemanager pid \(standby.pid)'"
        try PostgresTestDatabase.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE \(session)")
        // It is back, waiting on a new session.
        var back = false
        for _ in 0..<50 where !back {
            try await Task.sleep(for: .milliseconds(100))
            back = try PostgresTestDatabase.psql("SELECT count(*) FROM pg_stat_activity WHERE \(session)") == ["1"]
        }
        #expect(back, "the standby did not connect again: \(standby.process.standardErrorText())")
        await active.kill()
        // The standby's socket is gone for a moment while it turns active: connect until it is back.
        let successor = try await connectEventually(standby)
        var served = "standby"
        for _ in 0..<200 where served == "standby" {
            served = (try? await role(of: successor)) ?? "standby"
            if served == "standby" { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(served == "active")
        #expect(try await successor.dict("status", keys: String.self, values: Int.self)["before"] == 1)
        await successor.shutdown()
        await standby.stop()
        await active.stop()
    }

    /// Two managers on one journal; the active one is killed under load from several clients;
    /// the standby serves every change that was acknowledged, and the old one, restarted, is
    /// the standby now.
    @Test func aStandbyTakesOverWithEveryAcknowledgedChangeWhenTheActiveManagerIsKilled() async throws {
        let schema = PostgresTestDatabase.newSchema()
        let active = try await startManager(schema: schema)
        let standby = try await startManager(schema: schema, extraArguments: ["--standby"])
        let probe = try await standby.connect()
        #expect(try await role(of: probe) == "standby")
        do {
            _ = try await probe.dict("status", keys: String.self, values: Int.self)
            Issue.record("a standby served a call")
        } catch {
            #expect(error.code == .standby)
        }
        await probe.shutdown()
        let refused = try await DurablectlRun.run(["call", "--connect", "\(standby.address)", "dict:status", "copy"], home: standby.folder)
        #expect(refused.status == 69 && refused.standardError.contains("is a standby"), "\(refused.summary)")

        // Writers: each sets its own keys in order and records what was acknowledged.
        let acknowledged = Acknowledgements()
        let writers = (1...4).map { writer in
            Task {
                // A short window: after the kill each writer gives up instead of waiting for A.
                let client = try await SyncManager.connect(to: active.address, authkey: try active.authkey(), reconnectWindow: .seconds(1))
                let status = try await client.dict("status", keys: String.self, values: Int.self)
                var next = 0
                while true {
                    do {
                        try await status.set("w\(writer)", next)
                    } catch {
                        break
                    }
                    acknowledged.values.withLock { $0["w\(writer)"] = next }
                    next += 1
                }
                await client.shutdown()
            }
        }
        try await Task.sleep(for: .milliseconds(800))
        await active.kill()
        let killed = ContinuousClock.now
        // The standby's socket is gone for a moment while it turns active: connect until it is back.
        let successor = try await connectEventually(standby)
        var served = "standby"
        while served == "standby", ContinuousClock.now < killed + .seconds(30) {
            served = (try? await role(of: successor)) ?? "standby"
            if served == "standby" { try await Task.sleep(for: .milliseconds(20)) }
        }
        let takeover = ContinuousClock.now - killed
        print("takeover: the standby served \(takeover) after the active manager was killed")
        #expect(served == "active")
        #expect(takeover < .seconds(10))
        for writer in writers { _ = await writer.result }
        let status = try await successor.dict("status", keys: String.self, values: Int.self)
        let acknowledgedNow = acknowledged.values.withLock { $0 }
        #expect(acknowledgedNow.count == 4 && acknowledgedNow.values.allSatisfy { $0 > 0 }, "the load did not run: \(acknowledgedNow)")
        for (key, value) in acknowledgedNow {
            // A write in flight at the kill may have been committed without its reply: one past is fine.
            let stored = try await status[key]
            #expect(stored == value || stored == value + 1, "\(key): acknowledged \(value), the standby has \(stored)")
        }
        await successor.shutdown()

        // The old manager, started again as a standby, waits.
        try await active.restart(extraArguments: ["--standby"])
        let old = try await active.connect()
        #expect(try await role(of: old) == "standby")
        await old.shutdown()
        await standby.stop()
        await active.stop()
    }
}

/// The last value each writer had acknowledged, shared by the writers' tasks.
private final class Acknowledgements: Sendable {
    let values = Mutex<[String: Int]>([:])
}

/// How far each writer got, shared by the writers' tasks and the test.
private final class Progress: Sendable {
    private let state = Mutex<(made: [Int: Int], stopped: Bool)>(([:], false))

    func made(_ writer: Int, _ count: Int) { state.withLock { $0.made[writer] = count } }
    func stop() { state.withLock { $0.stopped = true } }
    var stopped: Bool { state.withLock { $0.stopped } }
    var snapshot: [Int: Int] { state.withLock { $0.made } }

    /// The fewest calls any of the three writers made (0 until each made one).
    var least: Int { least(after: [:]) }

    /// The fewest calls any writer made since `before`.
    func least(after before: [Int: Int]) -> Int {
        let made = snapshot
        return (1...3).map { (made[$0] ?? 0) - (before[$0] ?? 0) }.min() ?? 0
    }
}
