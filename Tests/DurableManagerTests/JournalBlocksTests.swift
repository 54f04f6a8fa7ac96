@testable import DurableManager
import DurableWire
import Foundation
import NIOCore
import Testing

/// Dicts, lists and queues checkpointed in blocks (schema 4): a checkpoint writes only the blocks
/// that changed, and whatever it writes comes back, after a clean stop and after a kill -9 that
/// leaves records to replay on top of it; a journal of schema 3 is moved into blocks when a
/// manager opens it, and read as it is by a reader until then.
@Suite(.serialized)
final class JournalBlocksTests {
    private let folder: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("dm-blocks-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    // MARK: What a checkpoint writes

    private func blocks(_ changes: CheckpointChanges?) throws -> BlockChanges {
        guard case .blocks(let blocks)? = changes else { throw HarnessError("expected blocks, got \(String(describing: changes))") }
        return blocks
    }

    private func isNothing(_ changes: CheckpointChanges?) -> Bool {
        changes == nil
    }

    private func items(_ block: BlockChanges.Block) -> [Value] {
        guard case .array(let values) = block.data else { return [] }
        return Array(values)
    }

    @Test func appendingToALongListWritesOnlyItsLastBlock() throws {
        let list = SharedList(items: (0..<1000).map { .int(Int64($0)) }, checkpointed: true)
        #expect(isNothing(list.checkpointChanges(everything: false)), "nothing changed since the checkpoint it was restored from")
        _ = try list.apply("append", Arguments(method: "append", values: [1000]))
        _ = try list.apply("append", Arguments(method: "append", values: [1001]))
        let changes = try blocks(list.checkpointChanges(everything: false))
        #expect(changes.writes.map(\.number) == [3], "positions 768..<1002 are block 3")
        #expect(items(changes.writes[0]).first == .int(768))
        #expect(items(changes.writes[0]).count == 1 + 1002 - 768)
        #expect(changes.deletes.isEmpty && !changes.rewrite)
        #expect(isNothing(list.checkpointChanges(everything: false)), "a checkpoint starts a new interval")

        _ = try list.apply("__setitem__", Arguments(method: "__setitem__", values: [10, "ten"]))
        #expect(try blocks(list.checkpointChanges(everything: false)).writes.map(\.number) == [0])

        _ = try list.apply("insert", Arguments(method: "insert", values: [600, "x"]))
        #expect(try blocks(list.checkpointChanges(everything: false)).writes.map(\.number) == [2, 3])

        // Shrinking below a block deletes the blocks past the end.
        _ = try list.apply("__delitem__", Arguments(method: "__delitem__", values: [-1]))
        for _ in 0..<500 { _ = try list.apply("pop", Arguments(method: "pop", values: [])) }
        let shrunk = try blocks(list.checkpointChanges(everything: false))
        #expect(shrunk.writes.map(\.number) == [1], "502 items: blocks 0 and 1, the second changed")
        #expect(shrunk.deletes == [2, 3])
        #expect(list.blockRows == 2)
    }

    @Test func aQueueWritesTheBlocksOfItemsPutAndDeletesThoseOfItemsTaken() throws {
        let queue = SharedQueue(maxsize: 0, joinable: false, items: .init((0..<600).map { .int(Int64($0)) }), unfinished: 600, checkpointed: true)
        #expect(isNothing(queue.checkpointChanges(everything: false)))
        for _ in 0..<300 { try queue.replay("get", Arguments(method: "get", values: [])) }
        for item in 600..<610 { try queue.replay("put", Arguments(method: "put", values: [.int(Int64(item))])) }
        let changes = try blocks(queue.checkpointChanges(everything: false))
        // Items at 300..<610: block 1 now begins at 300, block 2 gained 600..<610; block 0 is gone.
        #expect(changes.writes.map(\.number) == [1, 2])
        #expect(items(changes.writes[0]).first == .int(300))
        #expect(changes.deletes == [0])
        #expect(changes.state == ["maxsize": 0, "unfinished": 610])
        #expect(queue.blockRows == 2)

        try queue.replay("task_done", Arguments(method: "task_done", values: []))
        let doneOnly = try blocks(queue.checkpointChanges(everything: false))
        #expect(doneOnly.writes.isEmpty && doneOnly.deletes.isEmpty, "only unfinished changed: the object's row, no block")
        #expect(doneOnly.state == ["maxsize": 0, "unfinished": 609])
    }

    @Test func aDictRewritesTheBlocksOfChangedAndDeletedKeys() throws {
        let dict = SharedDict(restoring: (0..<1000).map { DictEntryRow(key: .string("k\($0)"), value: .int(Int64($0)), position: Int64($0)) })
        #expect(isNothing(dict.checkpointChanges(everything: false)))
        _ = try dict.replay("__setitem__", Arguments(method: "__setitem__", values: ["k5", "five"]))
        _ = try dict.replay("__delitem__", Arguments(method: "__delitem__", values: ["k700"]))
        _ = try dict.replay("__setitem__", Arguments(method: "__setitem__", values: ["new", 1]))
        let changes = try blocks(dict.checkpointChanges(everything: false))
        #expect(changes.writes.map(\.number) == [0, 2, 3], "k5 in block 0, k700 in block 2, new at position 1000 in block 3")
        #expect(changes.deletes.isEmpty)
        for key in 0..<256 where key != 5 { _ = try dict.replay("__delitem__", Arguments(method: "__delitem__", values: [.string("k\(key)")])) }
        _ = try dict.replay("__delitem__", Arguments(method: "__delitem__", values: ["k5"]))
        #expect(try blocks(dict.checkpointChanges(everything: false)).deletes == [0], "a block left empty is deleted")
        #expect(dict.blockRows == 3)
    }

    // MARK: Round trips through a journal

    private func call(_ harness: DurableHarness, _ client: FramedClient, _ target: UInt64, _ method: String, _ arguments: [Value] = []) throws -> Value {
        let id = try client.call(target, method, arguments)
        harness.settle()
        guard let reply = try client.takeReply(id) else { throw HarnessError("\(method) parked") }
        return try reply.get()
    }

    private func create(_ harness: DurableHarness, _ client: FramedClient, _ typeID: String, _ name: String) throws -> UInt64 {
        guard case .reference(let reference) = try call(harness, client, 0, "create", [.string(typeID), .string(name), []]) else {
            throw HarnessError("create did not return a reference")
        }
        return reference.id
    }

    private func checkpoint(_ harness: DurableHarness) throws {
        let done = harness.store.journal!.checkpoint()
        harness.settle()
        try done.wait()
    }

    @Test func listsQueuesAndDictsComeBackAfterCheckpointsCrashesAndCleanStops() throws {
        let harness = try DurableHarness(path: folder + "/journal.sqlite", checkpointEvery: 1_000_000)
        var client = try harness.connect(session: "writer")
        let list = try create(harness, client, "list", "list")
        let queue = try create(harness, client, "Queue", "queue")
        let dict = try create(harness, client, "dict", "dict")
        var generator = SystemRandomNumberGenerator()
        var next = 0
        for round in 0..<12 {
            for _ in 0..<Int.random(in: 50...700, using: &generator) {
                next += 1
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<3: _ = try call(harness, client, list, "append", [.int(Int64(next))])
                case 3: _ = try call(harness, client, list, "insert", [.int(Int64.random(in: 0...600)), .int(Int64(next))])
                case 4: _ = try? call(harness, client, list, "pop", [])
                case 5..<7: _ = try call(harness, client, queue, "put", [.int(Int64(next))])
                case 7: _ = try? call(harness, client, queue, "get_nowait", [])
                default: _ = try call(harness, client, dict, "__setitem__", [.int(Int64.random(in: 0..<2000)), .int(Int64(next))])
                }
            }
            if round % 3 == 2, let last = try? call(harness, client, list, "__len__"), last != 0 {
                _ = try call(harness, client, list, "sort", [])
            }
            let before = harness.durableObjects
            #expect(before == (try harness.journalObjects()), "round \(round): memory is what the journal says")
            switch round % 3 {
            case 0:
                try checkpoint(harness)
                try harness.crashAndRestart()
            case 1:
                // Records on top of the last checkpoint, replayed after a kill -9.
                try harness.crashAndRestart()
            default:
                try harness.stopCleanlyAndRestart()
                #expect(harness.startInfo.cleanShutdown)
            }
            #expect(harness.durableObjects == before, "round \(round): the same state after the restart")
            client = try harness.connect(session: "writer")
        }
    }

    // MARK: Statistics

    @Test func pingCountsCommitsAndRecords() throws {
        let harness = try DurableHarness(path: folder + "/journal.sqlite", checkpointEvery: 1_000_000)
        let client = try harness.connect(session: "writer")
        func ping() throws -> Fields {
            Fields(value: try call(harness, client, 0, "ping"))
        }
        let first = try ping()
        let list = try create(harness, client, "list", "counted")
        for item in 0..<10 { _ = try call(harness, client, list, "append", [.int(Int64(item))]) }
        let second = try ping()
        #expect(second.int("commits") >= first.int("commits") + 11, "each call settled alone: a commit each")
        #expect(second.int("recordsCommitted") >= first.int("recordsCommitted") + 11)
        #expect(second.int("fsyncs") == 0, "normal durability syncs no commit, and no WAL checkpoint ran")
        // Calls sent together are committed together.
        for item in 0..<20 { _ = try client.call(list, "append", [.int(Int64(item))]) }
        harness.settle()
        try client.collect()
        let third = try ping()
        #expect(third.int("commits") == second.int("commits") + 1)
        #expect(third.int("recordsCommitted") == second.int("recordsCommitted") + 20)
        try checkpoint(harness)
        #expect(try ping().int("checkpoints") == 1)
    }

    /// A ping's fields by name.
    private struct Fields {
        var value: Value

        func int(_ key: String) -> Int64 {
            if case .map(let fields) = value, case .int(let number)? = fields[.string(key)] { return number }
            return -1
        }
    }

    // MARK: Migration from schema 3

    /// Writes a journal as schema 3 kept it: a dict in `dict_entries`, a list's and a queue's
    /// items in their `objects.state`, and a record on top of the checkpoint.
    private func writeSchema3Journal(at path: String, ids: (dict: UInt64, list: UInt64, queue: UInt64)) throws {
        let database = try SQLiteConnection(path: path)
        try database.execute("PRAGMA journal_mode = WAL")
        try database.execute("PRAGMA application_id = \(JournalSchema.applicationID)")
        try database.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, file TEXT NOT NULL, applied_at REAL NOT NULL)")
        for migration in JournalSchema.migrations where migration.version <= 3 {
            try database.execute(migration.sql)
            try database.execute("INSERT INTO schema_migrations VALUES (\(migration.version), '\(migration.file)', 0)")
        }
        for (key, value) in [("epoch", 2), ("clean_shutdown", 1), ("checkpoint_seq", 5), ("objects_rows", 3), ("entries_rows", 3), ("replies_rows", 0)] {
            try database.execute("INSERT OR REPLACE INTO manager_state (key, value, crc) VALUES ('\(key)', \(value), dm_row_crc('\(key)', \(value)))")
        }
        let object = try database.prepare("INSERT INTO objects (id, type, name, state, crc) VALUES (?1, ?2, ?3, ?4, dm_row_crc(?1, ?2, ?3, ?4))")
        let states: [(UInt64, String, Value)] = [
            (ids.dict, "dict", .null),
            (ids.list, "list", [1, "two"]),
            (ids.queue, "Queue", ["maxsize": 0, "items": ["x", "y"], "unfinished": 2]),
        ]
        for (id, type, state) in states {
            object.bind(1, Int64(bitPattern: id))
            object.bind(2, type)
            object.bind(3, type)
            try object.bind(4, encoded: state)
            try object.step()
            object.reset()
        }
        let entry = try database.prepare("INSERT INTO dict_entries (object, key, position, value, crc) VALUES (?1, ?2, ?3, ?4, dm_row_crc(?1, ?2, ?3, ?4))")
        // `1` and `1.0` apart, as a journal written before keys compared as Python's may hold them.
        for (key, position, value): (Value, Int64, Value) in [("a", 0, 1), (1, 1, "one"), (.double(1.0), 2, "one again")] {
            entry.bind(1, Int64(bitPattern: ids.dict))
            try entry.bind(2, encoded: key)
            entry.bind(3, position)
            try entry.bind(4, encoded: value)
            try entry.step()
            entry.reset()
        }
        let record = try database.prepare("""
            INSERT INTO journal (seq, time, object, op, args, session, request, reply, crc)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, dm_row_crc(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8))
            """)
        record.bind(1, Int64(6))
        record.bind(2, 1_700_000_000.0)
        record.bind(3, Int64(bitPattern: ids.list))
        record.bind(4, "append")
        try record.bind(5, encoded: ["three"])
        try record.step()
    }

    @Test func aSchema3JournalIsReadAsItIsAndMovedIntoBlocksWhenAManagerOpensIt() throws {
        let path = folder + "/old.sqlite"
        let epoch = UInt64(2) << ObjectReference.epochShift
        let ids = (dict: epoch | 1, list: epoch | 2, queue: epoch | 3)
        try writeSchema3Journal(at: path, ids: ids)
        let expected: [UInt64: Value] = [
            ids.dict: ["a": 1, 1: "one again"],
            ids.list: [1, "two", "three"],
            ids.queue: ["maxsize": 0, "items": ["x", "y"], "unfinished": 2],
        ]

        // A reader leaves it at schema 3 and reads its layout.
        let read = try JournalReader(path: path).snapshot()
        #expect(Dictionary(uniqueKeysWithValues: read.objects.map { ($0.id, $0.state) }) == expected)

        let harness = try DurableHarness(path: path, checkpointEvery: 1_000_000)
        #expect(harness.durableObjects.mapValues(\.state) == expected)
        let facts = try JournalReader(path: path).facts()
        #expect(facts.schemaVersion == JournalSchema.latestVersion)
        #expect(try harness.journalObjects().mapValues(\.state) == expected, "a reader of schema 4 reads the moved blocks")

        // The moved state is a checkpoint like any other: changed, stopped, crashed, it comes back.
        let client = try harness.connect(session: "writer")
        _ = try call(harness, client, ids.list, "append", ["four"])
        _ = try call(harness, client, ids.queue, "get", [])
        _ = try call(harness, client, ids.dict, "__setitem__", ["b", 2])
        let changed = harness.durableObjects
        try harness.stopCleanlyAndRestart()
        #expect(harness.durableObjects == changed)
        try harness.crashAndRestart()
        #expect(harness.durableObjects == changed)
    }

    @Test func aDamagedSchema3RowStopsTheMigrationAndLeavesTheJournalAsItWas() throws {
        let path = folder + "/damaged.sqlite"
        let epoch = UInt64(2) << ObjectReference.epochShift
        try writeSchema3Journal(at: path, ids: (epoch | 1, epoch | 2, epoch | 3))
        let database = try SQLiteConnection(path: path)
        try database.execute("UPDATE dict_entries SET value = X'0402' WHERE position = 0")
        #expect(throws: JournalError.self) { _ = try DurableHarness(path: path, checkpointEvery: 1_000_000) }
        #expect(try database.integer("SELECT max(version) FROM schema_migrations") == 3)
        #expect(try database.integer("SELECT count(*) FROM dict_entries") == 3)
    }

    // MARK: Checksums

    /// The row checksum as it was first written (a byte array per column): every journal's rows
    /// carry it, so the function must never change.
    private func referenceChecksum(_ columns: [Value?]) -> UInt32 {
        var crc: UInt32 = 0
        func integer(_ value: UInt64, tag: UInt8) {
            var bytes = [tag]
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
            crc = CRC32C.update(crc, bytes)
        }
        for column in columns {
            switch column {
            case .int(let value)?: integer(UInt64(bitPattern: value), tag: 1)
            case .double(let value)?: integer(value.bitPattern, tag: 2)
            case .string(let text)?:
                integer(UInt64(text.utf8.count), tag: 3)
                crc = CRC32C.update(crc, Array(text.utf8))
            case .bytes(let bytes)?:
                integer(UInt64(bytes.count), tag: 4)
                crc = CRC32C.update(crc, bytes)
            default: crc = CRC32C.update(crc, [0])
            }
        }
        return crc
    }

    @Test func theRowChecksumIsTheOneEveryJournalWasWrittenWith() throws {
        let database = try SQLiteConnection(path: folder + "/crc.sqlite")
        let sql = "SELECT dm_row_crc(-7, 2.5, 'seq', x'00FF10', NULL, 9223372036854775807, '')"
        let columns: [Value?] = [.int(-7), .double(2.5), .string("seq"), .bytes([0, 255, 16]), nil, .int(.max), .string("")]
        #expect(UInt32(try database.integer(sql)) == referenceChecksum(columns))
    }
}
