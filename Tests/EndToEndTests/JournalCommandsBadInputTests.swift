// The journal-reading commands given what they cannot read: a text file, another application's
// SQLite database, a journal of a newer schema, a missing file, an unknown object, bad options.
// Each gets its own exit code and exactly one line on stderr, and every file is left as it was.
import DurableWire
import Foundation
import Proxies
import Testing

@Suite(.serialized)
struct JournalCommandsBadInputTests {
    /// Every reading command, on `journal`.
    private static func readingCommands(_ journal: String) -> [[String]] {
        [
            ["objects", "--journal", journal],
            ["objects", "--json", "--journal", journal],
            ["show", "status", "--journal", journal],
            ["journal", "--journal", journal],
            ["journal", "--json", "--tail", "5", "--journal", journal],
            ["stats", "--json", "--journal", journal],
            ["verify", "--journal", journal],
            ["export", "--journal", journal],
        ]
    }

    /// A new temporary folder, for a test without a manager.
    private func newFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dm-ctl-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Runs every reading command on `journal` and checks each is refused with `status` and
    /// leaves the file's bytes and its folder as they were.
    private func expectRefused(
        _ journal: String, home: String, status: Int32, containing text: String? = nil, sameFolder: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let folder = URL(fileURLWithPath: journal).deletingLastPathComponent().path
        let bytes = fileBytes(journal)
        let listing = folderListing(folder)
        for command in Self.readingCommands(journal) {
            let run = try await DurablectlRun.run(command, home: home)
            run.expectError(status, containing: text, sourceLocation: sourceLocation)
            #expect(fileBytes(journal) == bytes, "\(command.joined(separator: " ")) changed \(journal)", sourceLocation: sourceLocation)
            if sameFolder {
                #expect(folderListing(folder) == listing, "\(command.joined(separator: " ")) made files", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func aTextFileIsNotAJournal() async throws {
        let folder = try newFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/notes.sqlite"
        try Data("remember the milk\nand the eggs\n".utf8).write(to: URL(fileURLWithPath: path))
        try await expectRefused(path, home: folder, status: 78, containing: path)
        // Binary garbage as large as a small journal, too.
        let garbage = folder + "/garbage.sqlite"
        try Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: garbage))
        try await expectRefused(garbage, home: folder, status: 78)
    }

    @Test func anotherApplicationsDatabaseIsNotAJournal() async throws {
        let folder = try newFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/customers.sqlite"
        let database = try WritableDatabase(path: path)
        try database.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'ada');")
        database.close()
        try await expectRefused(path, home: folder, status: 78, containing: path)
        #expect(try JournalDatabase(path: path).strings("SELECT name FROM customers") == ["ada"])
    }

    @Test func aJournalOfANewerSchemaIsRefused() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let status: DictProxy<String, String> = try await client.dict("status")
        try await status.set("job-1", "done")
        await client.shutdown()
        #expect(await manager.terminate() == 0)
        let future = manager.folder + "/future.sqlite"
        let copy = try WritableDatabase.copy(journal: manager.journalPath, to: future)
        try copy.execute("INSERT INTO schema_migrations VALUES (99, '0099_future.sql', 0)")
        try copy.checkpointAndClose()
        // A WAL-mode file may get its -wal and -shm beside it from a reader; only its bytes count.
        try await expectRefused(future, home: manager.folder, status: 76, containing: "99", sameFolder: false)
        // The same journal at this build's schema reads fine.
        let show = try await DurablectlRun.run(["show", "status", "--journal", manager.journalPath], home: manager.folder)
        #expect(show.status == 0 && canonicalJSON(parsing: show.output) == #"{"job-1":"done"}"#, "\(show.summary)")
        await manager.stop()
    }

    @Test func aMissingJournalIsNoSuchFileAndIsNotCreated() async throws {
        let folder = try newFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let missing = folder + "/none.sqlite"
        try await expectRefused(missing, home: folder, status: 66, containing: missing)
        #expect(!FileManager.default.fileExists(atPath: missing))
        try await expectRefused(folder + "/no-such-folder/manager.sqlite", home: folder, status: 66)
        // With no --journal: the state folder's manager.sqlite, which is not there either.
        let run = try await DurablectlRun.run(["objects"], home: folder)
        run.expectError(66, containing: folder + "/manager.sqlite")
        #expect(folderListing(folder).isEmpty, "\(folderListing(folder))")
    }

    @Test func unknownObjectsAndBadOptionsAreRefused() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let counter: ValueProxy<Int> = try await client.value("counter", 0)
        try await counter.set(1)
        func run(_ arguments: String...) async throws -> DurablectlRun {
            try await DurablectlRun.run(arguments + ["--journal", manager.journalPath], home: manager.folder)
        }
        try await run("show", "nosuch").expectError(66, containing: "nosuch")
        try await run("show", "#999999").expectError(66, containing: "999999")
        try await run("show", "999999").expectError(66, containing: "999999")
        try await run("journal", "--object", "nosuch").expectError(66, containing: "nosuch")
        try await run("journal", "--object", "#999999").expectError(66, containing: "999999")
        // After the last record: nothing to show yet.
        try await run("show", "counter", "--at", "999").expectError(65, containing: "no record 999 yet")
        // Before its create record the counter did not exist.
        try await run("show", "counter", "--at", "0").expectError(66)
        // Usage errors: 64, nothing on stdout.
        for arguments in [["show", "counter", "--at", "soon"], ["journal", "--tail", "many"], ["objects", "--frobnicate"], ["show"]] {
            let usage = try await DurablectlRun.run(arguments + ["--journal", manager.journalPath], home: manager.folder)
            #expect(usage.status == 64, "\(usage.summary)")
            #expect(usage.lines.isEmpty, "\(usage.summary)")
            #expect(!usage.standardError.isEmpty, "\(usage.summary)")
        }
        // The same journal answers good questions.
        let show = try await run("show", "counter")
        #expect(show.status == 0 && show.output == "1", "\(show.summary)")
        await client.shutdown()
        await manager.stop()
    }

    @Test func everyCommandGivesAJournalTheSameCodeAndServeRefusesACustomManagersJournalUntouched() async throws {
        let folder = try newFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let text = folder + "/notes.sqlite"
        try Data("not a journal\n".utf8).write(to: URL(fileURLWithPath: text))
        try await DurablectlRun.run(["checkpoint", "--journal", text], home: folder).expectError(78, containing: text)

        // A journal a custom manager wrote, with a durable type durablectl's serve does not register.
        let custom = try await ManagerFixture.start(executable: "durable-test-manager")
        let client = try await custom.connect()
        let tally = try await client.create("Tally", name: "visits")
        try await tally.call("add", "one")
        await client.shutdown()
        await custom.terminate()
        let before = try #require(fileBytes(custom.journalPath))
        let serve = try ChildProcess("durablectl", [
            "serve", "--listen", "unix:\(folder)/other.sock", "--authkey-file", custom.authkeyPath, "--journal", custom.journalPath,
        ], environment: ["DURABLE_MANAGER_HOME": folder], captureStandardError: true)
        #expect(await serve.waitForExit() == 78)
        #expect(serve.standardErrorText().contains("type 'Tally', which this manager does not register"), "\(serve.standardErrorText())")
        #expect(fileBytes(custom.journalPath) == before, "a refused start changed the journal")
        // The custom manager itself still serves it.
        try await custom.restart()
        let again = try await custom.connect()
        #expect(try await again.create("Tally", name: "visits").call("count", returning: Int.self) == 1)
        await again.shutdown()
        await custom.stop()
    }

    @Test func aMissingAuthkeyIsNoSuchFileAndABadServeOptionIsAUsageError() async throws {
        let folder = try newFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await DurablectlRun.run(["ping", "--authkey-file", folder + "/nokey"], home: folder).expectError(66, containing: "nokey")
        let serve = try await DurablectlRun.run(["serve", "--durability", "bogus"], home: folder)
        #expect(serve.status == 64, "\(serve.summary)")
        #expect(serve.standardError.contains("--durability must be full, normal or relaxed"), "\(serve.summary)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/manager.sqlite"))
    }
}
