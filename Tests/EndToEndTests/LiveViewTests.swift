// The operator's live views against a real manager process: `objects`, `sessions` and `show`
// with a client process holding a named lock and another waiting on it, their outputs parsed;
// the fallback to the journal when no manager answers; and the start record every manager
// start writes, through kills and clean stops, with the journal still replaying.
import DurableWire
import Foundation
import Proxies
import Testing

@Suite(.serialized)
struct LiveViewTests {
    private func run(_ manager: ManagerFixture, _ arguments: String...) async throws -> DurablectlRun {
        try await DurablectlRun.run(arguments, home: manager.folder)
    }

    /// `objects --json` until `done` holds for it, or the deadline.
    private func objects(_ manager: ManagerFixture, until done: ([[String: Any]]) -> Bool) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let listing = try await run(manager, "objects", "--json")
            try #require(listing.status == 0, "\(listing.summary)")
            #expect(listing.standardError.isEmpty, "a manager answered, so no fallback: \(listing.summary)")
            let rows = try #require(try listing.json() as? [[String: Any]], "\(listing.summary)")
            if done(rows) || ContinuousClock.now > deadline { return rows }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func objectsSessionsAndShowSeeALockItsHolderAndItsWaiter() async throws {
        // A grace period long enough to watch a dead holder's session wait out its end.
        let manager = try await ManagerFixture.start(extraArguments: ["--session-grace", "3"])
        let client = try await manager.connect()
        let status: DictProxy<String, String> = try await client.dict("status")
        try await status.set("job-1", "running")
        let slots = try await client.boundedSemaphore("slots", value: 2)
        try await slots.acquire()
        let go = try await client.event("go")
        let eventWait = Task { try await go.wait(timeout: .seconds(30)) }

        let holder = try manager.client("hold-lock", "printer", "60")
        #expect(await holder.nextLine() == "acquired")
        let waiter = try manager.client("acquire-lock", "printer", "60")
        #expect(await waiter.nextLine() == "trying")

        // The lock: held by one session, one caller; the other session waits.
        func row(_ rows: [[String: Any]], _ name: String) -> [String: Any]? { rows.first { $0["name"] as? String == name } }
        func live(_ rows: [[String: Any]], _ name: String) -> [String: Any] { row(rows, name)?["live"] as? [String: Any] ?? [:] }
        let rows = try await objects(manager) { jsonInt(live($0, "printer")["waiters"]) == 1 && jsonInt(live($0, "go")["waiters"]) == 1 }
        let printer = try #require(row(rows, "printer"), "no printer: \(canonicalJSON(rows))")
        #expect(printer["type"] as? String == "Lock" && jsonBool(printer["durable"]) == false, "\(canonicalJSON(printer))")
        let lock = live(rows, "printer")
        #expect(jsonBool(lock["locked"]) == true, "\(canonicalJSON(printer))")
        let holderSession = try #require((lock["holder"] as? [String: Any])?["session"] as? String, "\(canonicalJSON(printer))")
        let holderCaller = try #require((lock["holder"] as? [String: Any])?["caller"] as? String, "\(canonicalJSON(printer))")
        #expect((jsonDouble(lock["heldFor"]) ?? -1) >= 0, "\(canonicalJSON(printer))")
        #expect(jsonInt(lock["waiters"]) == 1, "\(canonicalJSON(printer))")
        let firstWaiter = try #require((lock["firstWaiters"] as? [[String: Any]])?.first, "\(canonicalJSON(printer))")
        let waiterSession = try #require(firstWaiter["session"] as? String)
        #expect((jsonDouble(firstWaiter["waitingFor"]) ?? -1) >= 0, "\(canonicalJSON(firstWaiter))")
        // Two processes of their own: neither is this test's client.
        #expect(Set([holderSession, waiterSession, client.connection.sessionID]).count == 3)
        #expect((printer["summary"] as? String)?.hasPrefix("held by session \(holderSession) caller \(holderCaller) for ") == true, "\(canonicalJSON(printer))")
        // The durable dict, the semaphore and the event beside it.
        #expect(jsonInt(row(rows, "status")?["size"]) == 1 && jsonBool(row(rows, "status")?["durable"]) == true, "\(canonicalJSON(rows))")
        #expect(jsonInt(live(rows, "slots")["value"]) == 1 && jsonInt(live(rows, "slots")["initialValue"]) == 2, "\(canonicalJSON(rows))")
        #expect(jsonBool(live(rows, "go")["set"]) == false, "\(canonicalJSON(rows))")

        // The table: STATE in words.
        let table = try await run(manager, "objects")
        #expect(table.status == 0 && table.standardError.isEmpty, "\(table.summary)")
        #expect(table.lines.first?.split(separator: " ").joined(separator: " ") == "ID NAME TYPE SIZE STATE", "\(table.output)")
        let printerLine = try #require(table.lines.first { columns($0, leading: 3)[1] == "printer" }, "\(table.output)")
        #expect(printerLine.contains("held by session \(holderSession)") && printerLine.contains("1 waiting: session \(waiterSession)"), "\(printerLine)")
        let goLine = try #require(table.lines.first { columns($0, leading: 3)[1] == "go" }, "\(table.output)")
        #expect(goLine.contains("not set; 1 waiting: session \(client.connection.sessionID)"), "\(goLine)")

        // `show` of the lock: its live state, not "no such object".
        let shown = try await run(manager, "show", "printer")
        #expect(shown.status == 0, "\(shown.summary)")
        let shownState = try shown.jsonObject()
        #expect((shownState["holder"] as? [String: Any])?["session"] as? String == holderSession, "\(shown.summary)")
        #expect(jsonInt(shownState["waiters"]) == 1, "\(shown.summary)")
        let shownDict = try await run(manager, "show", "status")
        #expect(canonicalJSON(parsing: shownDict.output) == #"{"job-1":"running"}"#, "a durable object shows its contents: \(shownDict.summary)")
        try await run(manager, "show", "printer", "--from-journal").expectError(66, containing: "--live")

        // Sessions: the holder holds the lock with its caller, the waiter waits on it.
        let sessionsRun = try await run(manager, "sessions", "--json")
        #expect(sessionsRun.status == 0, "\(sessionsRun.summary)")
        let sessions = try #require(try sessionsRun.json() as? [[String: Any]], "\(sessionsRun.summary)")
        func session(_ id: String) -> [String: Any]? { sessions.first { $0["id"] as? String == id } }
        let held = try #require(session(holderSession), "\(sessionsRun.output)")
        #expect(jsonInt(held["connections"]) == 1 && isNull(held["disconnectedFor"]), "\(canonicalJSON(held))")
        #expect((jsonDouble(held["age"]) ?? -1) >= (jsonDouble(lock["heldFor"]) ?? 0), "\(canonicalJSON(held))")
        let holds = held["holds"] as? [[String: Any]] ?? []
        #expect(holds.count == 1 && holds.first?["name"] as? String == "printer" && holds.first?["type"] as? String == "Lock", "\(canonicalJSON(held))")
        #expect(holds.first?["caller"] as? String == holderCaller && jsonInt(holds.first?["count"]) == 1, "\(canonicalJSON(held))")
        #expect((held["waiting"] as? [Any])?.isEmpty == true, "\(canonicalJSON(held))")
        let waiting = try #require(session(waiterSession), "\(sessionsRun.output)")
        #expect((waiting["holds"] as? [Any])?.isEmpty == true, "\(canonicalJSON(waiting))")
        let waitsOn = waiting["waiting"] as? [[String: Any]] ?? []
        #expect(waitsOn.count == 1 && waitsOn.first?["name"] as? String == "printer" && waitsOn.first?["method"] as? String == "acquire", "\(canonicalJSON(waiting))")
        // This test's client holds a permit of the bounded semaphore and waits on the event.
        let mine = try #require(session(client.connection.sessionID), "\(sessionsRun.output)")
        let permits = mine["holds"] as? [[String: Any]] ?? []
        #expect(permits.count == 1 && permits.first?["name"] as? String == "slots" && isNull(permits.first?["caller"]) && jsonInt(permits.first?["count"]) == 1, "\(canonicalJSON(mine))")
        #expect((mine["waiting"] as? [[String: Any]])?.first?["name"] as? String == "go", "\(canonicalJSON(mine))")
        #expect(jsonInt(mine["objects"]) == 3, "status, slots and go: \(canonicalJSON(mine))")
        #expect(sessions.filter { jsonBool($0["asking"]) == true }.count == 1, "\(sessionsRun.output)")

        let sessionTable = try await run(manager, "sessions")
        #expect(sessionTable.status == 0, "\(sessionTable.summary)")
        #expect(sessionTable.lines.first?.split(separator: " ").joined(separator: " ") == "SESSION CONNECTIONS AGE DISCONNECTED OBJECTS HOLDS WAITING ON", "\(sessionTable.output)")
        let holderLine = try #require(sessionTable.lines.first { $0.hasPrefix(holderSession) }, "\(sessionTable.output)")
        #expect(holderLine.contains("printer (Lock) caller \(holderCaller)"), "\(holderLine)")
        #expect(sessionTable.lines.first { $0.hasPrefix(waiterSession) }?.hasSuffix("printer (Lock) acquire") == true, "\(sessionTable.output)")
        #expect(sessionTable.lines.contains { $0.contains(" (this command) ") }, "\(sessionTable.output)")

        // The holder dies: its session waits out the grace period, then the waiter gets the lock.
        holder.signal(SIGKILL)
        await holder.waitForExit()
        let afterKill = try await run(manager, "sessions", "--json")
        let dead = try #require((try afterKill.json() as? [[String: Any]])?.first { $0["id"] as? String == holderSession }, "\(afterKill.summary)")
        #expect(jsonInt(dead["connections"]) == 0, "\(canonicalJSON(dead))")
        #expect((jsonDouble(dead["endsIn"]) ?? 0) > 0 && jsonDouble(dead["disconnectedFor"]) != nil, "\(canonicalJSON(dead))")
        #expect(await waiter.nextLine()?.hasPrefix("acquired") == true)
        #expect(await waiter.waitForExit() == 0)
        // The waiter released it and left: the lock is free, and the dead holder's session is gone.
        let freed = try await objects(manager) { jsonBool(live($0, "printer")["locked"]) == false }
        #expect(jsonBool(live(freed, "printer")["locked"]) == false && jsonInt(live(freed, "printer")["waiters"]) == 0, "\(canonicalJSON(freed))")
        let gone = try await run(manager, "sessions", "--json")
        #expect((try gone.json() as? [[String: Any]])?.contains { $0["id"] as? String == holderSession } == false, "\(gone.summary)")

        try await go.set()
        #expect(try await eventWait.value == true)
        await client.shutdown()
        await manager.stop()
    }

    @Test func withNoManagerObjectsReadsTheJournalAndSaysSoWhileLiveRefuses() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let status: DictProxy<String, String> = try await client.dict("status")
        try await status.set("job-1", "done")
        _ = try await client.lock("printer")
        await client.shutdown()
        await manager.kill()

        let listing = try await run(manager, "objects", "--json")
        #expect(listing.status == 0, "\(listing.summary)")
        let rows = try #require(try listing.json() as? [[String: Any]], "\(listing.summary)")
        #expect(rows.map { $0["name"] as? String } == ["status"], "the journal knows the durable objects: \(listing.output)")
        #expect(rows.first?.keys.contains("lastSeq") == true, "the journal's listing: \(listing.output)")
        #expect(listing.standardError.contains("no manager answers at \(manager.address)"), "\(listing.summary)")
        #expect(listing.standardError.contains(manager.journalPath), "\(listing.summary)")
        try await run(manager, "objects", "--live").expectError(69)
        let usage = try await run(manager, "objects", "--live", "--from-journal")
        #expect(usage.status == 64 && usage.lines.isEmpty && usage.standardError.contains("--live"), "\(usage.summary)")
        try await run(manager, "show", "printer").expectError(66, containing: "no manager answers at \(manager.address), and \(manager.journalPath) holds no durable object 'printer'")
        try await run(manager, "sessions").expectError(69)
        let shown = try await run(manager, "show", "status")
        #expect(shown.status == 0 && canonicalJSON(parsing: shown.output) == #"{"job-1":"done"}"#, "\(shown.summary)")
        await manager.stop()
    }

    @Test func everyStartIsAJournalRecordAndTheJournalStillReplays() async throws {
        let manager = try await ManagerFixture.start()
        let firstPID = manager.pid
        var client = try await manager.connect()
        let counter: ValueProxy<Int> = try await client.value("counter", 0)
        try await counter.set(1)
        await client.shutdown()
        await manager.kill()
        let beforeRestart = try JournalDatabase(path: manager.journalPath).seqs()
        #expect(beforeRestart.count == 3, "the start, the create and the set")

        // A restart after SIGKILL: a second start record, after the records it replayed.
        try await manager.restart()
        let starts = try await run(manager, "journal", "--object", "manager")
        #expect(starts.status == 0, "\(starts.summary)")
        #expect(starts.lines.count == 2, "\(starts.output)")
        let first = columns(starts.lines.first ?? "", leading: 4)
        #expect(first[2] == "manager" && first[3] == "start", "\(starts.output)")
        #expect(first[4] == "manager started: epoch 1, pid \(firstPID), the journal's first start, replayed 0 records", "\(starts.output)")
        let second = columns(starts.lines.last ?? "", leading: 4)
        #expect(second[0] == "\(beforeRestart.last! + 1)", "\(starts.output)")
        #expect(second[4] == "manager started: epoch 2, pid \(manager.pid), after a crash or kill (no clean stop), replayed 3 records", "\(starts.output)")
        let all = try await run(manager, "journal")
        #expect(all.lines.map { columns($0, leading: 4)[3] } == ["start", "create", "set", "start"], "\(all.output)")

        // The start records replay: a change, another kill, a third start, and the state is whole.
        client = try await manager.connect()
        let again: ValueProxy<Int> = try await client.value("counter", 0)
        #expect(try await again.get() == 1)
        try await again.set(2)
        await client.shutdown()
        await manager.kill()
        let verified = try await run(manager, "verify", "--journal", manager.journalPath)
        // Two starts, the create and two sets.
        #expect(verified.status == 0 && verified.output.hasPrefix("ok: 1 objects, 5 records replayed"), "\(verified.summary)")
        let crashed = try await run(manager, "stats")
        #expect(crashed.lines.first == "state: stopped without a clean stop (crashed or killed): the next start replays 5 records", "\(crashed.output)")
        try await manager.restart()
        let running = try await run(manager, "stats")
        #expect(running.lines.first == "state: running (pid \(manager.pid))", "\(running.output)")
        client = try await manager.connect()
        let third: ValueProxy<Int> = try await client.value("counter", 0)
        #expect(try await third.get() == 2)
        await client.shutdown()
        let records = try await run(manager, "journal", "--json", "--object", "manager")
        let lastStart = try #require(try records.jsonLines().last?["args"] as? [Any])
        let found = try #require(lastStart.first as? [String: Any])
        #expect(jsonInt(found["epoch"]) == 3 && found["lastStop"] as? String == "unclean" && jsonInt(found["replayed"]) == 5, "\(records.output)")
        #expect(jsonInt(found["recordsLost"]) == 0 && jsonInt(found["schemaVersion"]) == 4, "\(records.output)")

        // A clean stop folds the start records away with the rest; the next start says it was clean.
        #expect(await manager.terminate() == 0)
        let stopped = try await run(manager, "stats")
        #expect(stopped.lines.first == "state: stopped cleanly: the next start replays nothing", "\(stopped.output)")
        try await manager.restart()
        let afterClean = try await run(manager, "journal")
        #expect(afterClean.lines.count == 1, "\(afterClean.output)")
        #expect(afterClean.lines.first?.hasSuffix("manager started: epoch 4, pid \(manager.pid), after a clean stop, replayed 0 records") == true, "\(afterClean.output)")
        await manager.stop()
    }
}
