import DurableWire
import Foundation
import Proxies
import Testing

/// The journal with real manager processes and real files: state survives SIGKILL, bad files
/// stop the start without being touched, and a full journal refuses writes without losing any.
@Suite(.serialized)
struct JournalTests {
    struct Job: Codable, Sendable, Equatable {
        var id: Int
        var input: String
    }

    @Test(arguments: TestJournalBackend.available)
    func everyJournaledTypeAndMutatingMethodSurvivesAKillAndACleanStop(on backend: TestJournalBackend) async throws {
        let manager = try await ManagerFixture.start(on: backend)
        var client = try await manager.connect()

        let jobs: DictProxy<String, Job> = try await client.dict("jobs")
        try await jobs.set("c", Job(id: 3, input: "c"))
        try await jobs.set("a", Job(id: 1, input: "a"))
        try await jobs.set("b", Job(id: 2, input: "b"))
        try await jobs.set("c", Job(id: 33, input: "c2"))
        try await jobs.delete("a")
        _ = try await jobs.pop("zz", default: Job(id: 0, input: ""))
        _ = try await jobs.setDefault("d", Job(id: 4, input: "d"))
        try await jobs.update([("e", Job(id: 5, input: "e")), ("f", Job(id: 6, input: "f"))])
        _ = try await jobs.popItem()
        _ = try await jobs.pop("e")
        let cleared: DictProxy<Int, Int> = try await client.dict("cleared")
        try await cleared.update([(1, 1), (2, 2)])
        try await cleared.clear()
        try await cleared.set(3, 3)

        let list: ListProxy<Int> = try await client.list("numbers")
        try await list.extend([5, 1, 4])
        try await list.append(2)
        try await list.insert(9, at: 0)
        _ = try await list.pop()
        _ = try await list.pop(0)
        try await list.remove(1)
        try await list.set(0, 50)
        try await list.sort()
        try await list.reverse()
        try await list.repeatInPlace(2)
        try await list.remove(at: -1)
        let emptied: ListProxy<Int> = try await client.list("emptied", initial: [1, 2])
        try await emptied.clear()

        let settings = try await client.namespace("settings")
        try await settings.set("x", 10)
        try await settings.set("y", "hello")
        try await settings.set("z", true)
        try await settings.delete("z")

        let counter: ValueProxy<Int> = try await client.value("counter", 0)
        try await counter.set(41)
        try await counter.set(42)

        let queue: QueueProxy<Job> = try await client.queue("work")
        for id in 1...4 { try await queue.put(Job(id: id, input: "q\(id)")) }
        _ = try await queue.get()
        try await queue.putNowait(Job(id: 5, input: "q5"))
        _ = try await queue.getNowait()
        let bounded: QueueProxy<Int> = try await client.queue("bounded", maxsize: 1)
        try await bounded.put(1)
        async let parkedPut: Void = bounded.put(2)
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await bounded.get() == 1)
        try await parkedPut
        let joinable: JoinableQueueProxy<Int> = try await client.joinableQueue("joinable")
        try await joinable.put(1)
        try await joinable.put(2)
        _ = try await joinable.get()
        try await joinable.taskDone()

        let index: DictProxy<String, ListProxy<String>> = try await client.dict("index")
        do {
            let anonymous: ListProxy<String> = try await client.list()
            try await anonymous.append("inside")
            try await index.set("pending", anonymous)
        }
        let lock = try await client.lock("printer")
        try await lock.acquire()

        func check(_ client: SyncManager, after: String) async throws {
            let jobs: DictProxy<String, Job> = try await client.dict("jobs")
            #expect(try await jobs.items().map(\.key) == ["c", "b", "d"], "\(after)")
            #expect(try await jobs["c"] == Job(id: 33, input: "c2"), "\(after)")
            let cleared: DictProxy<Int, Int> = try await client.dict("cleared")
            #expect(try await cleared.items().map(\.key) == [3], "\(after)")
            let list: ListProxy<Int> = try await client.list("numbers")
            #expect(try await list.copy() == [50, 4, 50], "\(after)")
            let emptied: ListProxy<Int> = try await client.list("emptied")
            #expect(try await emptied.count() == 0, "\(after)")
            let settings = try await client.namespace("settings")
            #expect(try await settings.describe() == "Namespace(x=10, y='hello')", "\(after)")
            let counter: ValueProxy<Int> = try await client.value("counter", 0)
            #expect(try await counter.get() == 42, "\(after)")
            let queue: QueueProxy<Job> = try await client.queue("work")
            #expect(try await queue.qsize() == 3, "\(after)")
            let bounded: QueueProxy<Int> = try await client.queue("bounded", maxsize: 1)
            #expect(try await bounded.full(), "\(after)")
            let joinable: JoinableQueueProxy<Int> = try await client.joinableQueue("joinable")
            #expect(try await joinable.qsize() == 1, "\(after)")
            let index: DictProxy<String, ListProxy<String>> = try await client.dict("index")
            #expect(try await index["pending"].copy() == ["inside"], "\(after)")
        }
        try await check(client, after: "before any restart")

        await manager.kill()
        try await manager.restart()
        client = try await manager.connect()
        try await check(client, after: "SIGKILL")
        // Queue order survives: the items come out as they went in.
        let work: QueueProxy<Job> = try await client.queue("work")
        #expect(try await work.get().id == 3)
        try await work.put(Job(id: 3, input: "q3"))
        #expect(try await work.get().id == 4)
        try await work.put(Job(id: 4, input: "q4"))
        // A JoinableQueue's unfinished count survives: one more task_done, then too many.
        let restoredJoinable: JoinableQueueProxy<Int> = try await client.joinableQueue("joinable")
        try await restoredJoinable.taskDone()
        try await restoredJoinable.put(3)
        #expect(try await restoredJoinable.get() == 2)
        try await restoredJoinable.taskDone()
        await #expect { try await restoredJoinable.taskDone() } throws: { ($0 as? ManagerError)?.code == .valueError }
        // Primitives live in memory: the old lock is lost in the restart, the name gives a new one.
        let oldLock = lock.reference.id
        await #expect { _ = try await client.connection.call(oldLock, "locked", []) } throws: {
            ($0 as? ManagerError)?.code == .lostInRestart
        }
        #expect(try await client.lock("printer").locked() == false)

        await client.shutdown()
        await manager.terminate()
        try await manager.restart()
        client = try await manager.connect()
        try await check(client, after: "a clean stop")
        await client.shutdown()
        await manager.stop()
    }
}

/// Files that are not a journal this build can use stop the start, untouched.
@Suite(.serialized)
struct JournalFileTests {
    /// Runs python3's sqlite3 module on `path`.
    private func sqlite(_ path: String, _ script: String) async throws {
        let python = try ChildProcess("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.executescript(sys.argv[2])
            db.commit()
            db.close()
            print("done")
            """, path, script])
        #expect(await python.nextLine() == "done")
        await python.waitForExit()
    }

    /// A journal path in a new temporary folder.
    private func newJournalPath() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dm-file-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder + "/manager.sqlite"
    }

    /// Starts a manager on `journal` that must refuse it; returns its exit status and stderr.
    private func refusedStart(journal: String) async throws -> (Int32, String) {
        let folder = URL(fileURLWithPath: journal).deletingLastPathComponent().path
        let child = try ChildProcess("durablectl", [
            "serve", "--listen", "unix:\(folder)/refused.sock", "--authkey-file", folder + "/authkey", "--journal", journal,
        ], captureStandardError: true)
        let status = await child.waitForExit(timeout: .seconds(20))
        return (status, child.standardErrorText())
    }

    @Test func aFileThatIsNotAJournalIsRefusedAndLeftUntouched() async throws {
        let journal = try newJournalPath()
        let garbage = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
        try garbage.write(to: URL(fileURLWithPath: journal))
        let (status, stderr) = try await refusedStart(journal: journal)
        #expect(status != 0)
        #expect(stderr.contains(journal))
        #expect(stderr.contains("is not a DurableManager journal"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: journal)) == garbage)
    }

    @Test func anotherApplicationsDatabaseIsRefusedAndLeftUntouched() async throws {
        let journal = try newJournalPath()
        try await sqlite(journal, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'ada');")
        let before = try Data(contentsOf: URL(fileURLWithPath: journal))
        let (status, stderr) = try await refusedStart(journal: journal)
        #expect(status != 0)
        #expect(stderr.contains("another application"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: journal)) == before)
    }

    @Test func aJournalFromANewerVersionIsRefused() async throws {
        let manager = try await ManagerFixture.start()
        await manager.terminate()
        try await sqlite(manager.journalPath, "INSERT INTO schema_migrations VALUES (99, '0099_future.sql', 0);")
        let (status, stderr) = try await refusedStart(journal: manager.journalPath)
        #expect(status != 0)
        #expect(stderr.contains("written by a newer version (schema 99, this build reads up to "))
        await manager.stop()
    }

    @Test func aDamagedJournalStopsTheStartAndIsLeftUntouched() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let big: DictProxy<Int, String> = try await client.dict("big")
        for index in 0..<300 { try await big.set(index, String(repeating: "v", count: 500)) }
        await client.shutdown()
        await manager.kill()
        // Overwrite the middle of the file: pages of the journal table.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: manager.journalPath))
        let walPath = manager.journalPath + "-wal"
        if FileManager.default.fileExists(atPath: walPath) {
            // Fold the WAL in first so the damage hits pages the manager will read.
            try await sqlite(manager.journalPath, "PRAGMA wal_checkpoint(TRUNCATE);")
            bytes = try Data(contentsOf: URL(fileURLWithPath: manager.journalPath))
        }
        #expect(bytes.count > 16_384)
        for offset in stride(from: 8192, to: bytes.count - 100, by: 4096) {
            bytes.replaceSubrange(offset..<offset + 100, with: Data(repeating: 0xA5, count: 100))
        }
        try bytes.write(to: URL(fileURLWithPath: manager.journalPath))
        let (status, stderr) = try await refusedStart(journal: manager.journalPath)
        #expect(status != 0)
        #expect(stderr.contains(manager.journalPath))
        #expect(stderr.contains("damaged") || stderr.contains("not a DurableManager journal"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: manager.journalPath)) == bytes)
        await manager.stop()
    }

    @Test func durablectlCheckpointsAStoppedJournalAndRefusesARunningOne() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let counts: DictProxy<String, Int> = try await client.dict("counts")
        for index in 0..<50 { try await counts.set("k\(index % 10)", index) }
        let running = try ChildProcess("durablectl", ["checkpoint", "--journal", manager.journalPath], captureStandardError: true)
        #expect(await running.waitForExit() == 75)
        #expect(running.standardErrorText().contains("another manager (pid \(manager.pid))"))
        await client.shutdown()
        await manager.kill()

        let offline = try ChildProcess("durablectl", ["checkpoint", "--journal", manager.journalPath])
        // The create, the 50 calls and the killed manager's start record.
        #expect(await offline.nextLine()?.contains("1 objects, 52 records folded in (last stop unclean)") == true)
        #expect(await offline.waitForExit() == 0)
        try await manager.restart()
        let again = try await manager.connect()
        let restored: DictProxy<String, Int> = try await again.dict("counts")
        #expect(try await restored.items().map(\.value) == Array(40..<50))
        await again.shutdown()
        await manager.stop()
    }

    @Test func aSecondManagerOnTheSameJournalIsRefused() async throws {
        let manager = try await ManagerFixture.start()
        let (status, stderr) = try await refusedStart(journal: manager.journalPath)
        #expect(status != 0)
        #expect(stderr.contains("another manager (pid \(manager.pid))"))
        await manager.stop()
    }

    @Test func aFullJournalRefusesWritesLosesNothingAndRecoversWhenSpaceReturns() async throws {
        let manager = try await ManagerFixture.start(extraArguments: ["--journal-max-pages", "120"])
        let client = try await manager.connect()
        let status: DictProxy<String, String> = try await client.dict("status")
        let bystander: ListProxy<Int> = try await client.list("small")
        var acknowledged: String?
        var failure: ManagerError?
        for round in 0..<2000 {
            let value = "\(round):" + String(repeating: "x", count: 3000)
            do {
                try await status.set("latest", value)
                acknowledged = value
            } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure, "the journal never filled up")
        #expect(error.code == .journalFailure)
        #expect(error.message.contains("cannot grow"))
        // State is what the journal says: the refused value is not there.
        #expect(try await status.get("latest") == acknowledged)
        // A checkpoint folds the journal into one entry, which frees its pages: writes work again.
        try await client.checkpoint()
        try await status.set("latest", "after")
        try await bystander.append(1)
        #expect(try await status["latest"] == "after")
        await client.shutdown()
        await manager.kill()
        try await manager.restart()
        let again = try await manager.connect()
        let restored: DictProxy<String, String> = try await again.dict("status")
        #expect(try await restored["latest"] == "after")
        await again.shutdown()
        await manager.stop()
    }
}
