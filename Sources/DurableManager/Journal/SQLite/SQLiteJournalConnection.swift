import CSQLite
import DurableWire
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The journal's statements over one SQLite connection. Used only on ``JournalFile``'s thread.
final class SQLiteJournalConnection: JournalConnection {
    private let database: SQLiteConnection
    private var path: String { database.path }
    var place: String { database.path }
    /// A `normal` commit costs no fsync: the manager's loop may run it (``Journal``).
    var commitsOnLoop: Bool { true }
    private lazy var insertRecord = try? database.prepare("""
        INSERT INTO journal (seq, time, object, op, args, session, request, reply, crc)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, dm_row_crc(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8))
        """)
    /// Prepared once: parsing them again at every commit cost a third of a one-record commit.
    private lazy var beginImmediate = try? database.prepare("BEGIN IMMEDIATE")
    private lazy var commitTransaction = try? database.prepare("COMMIT")
    /// The file's schema: a journal written by an older build is read as it is (without
    /// checksums before 2, without callers before 3) until a manager migrates it.
    private var version = JournalSchema.latestVersion
    private var checksums: Bool { version >= JournalSchema.checksumsVersion }

    /// Opens the file and makes sure it is a journal this build can read, before writing to it.
    init(path: String, durability: Durability, maxPageCount: Int?) throws(JournalError) {
        database = try SQLiteConnection(path: path)
        let tables = try checkIdentity()
        try database.execute("PRAGMA journal_mode = WAL")
        try database.execute("PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
        // The journal folds the WAL in itself, on its own thread (``Journal``), never at the end
        // of a commit that runs on the manager's event loop.
        database.takeOverWALCheckpoints()
        if tables == 0 {
            try database.execute("PRAGMA application_id = \(JournalSchema.applicationID)")
        }
        if let maxPageCount {
            try database.execute("PRAGMA max_page_count = \(maxPageCount)")
        }
    }

    /// Opens an existing journal read-only: no lock, no write, so a manager may run on it.
    init(readingOnly path: String) throws(JournalError) {
        database = try SQLiteConnection(path: path, readOnly: true)
        guard try checkIdentity() > 0 else { throw .notAJournal(path, "an empty database") }
        do {
            version = try schemaVersion()
        } catch where !error.isNewerSchema {
            throw .notAJournal(path, "it has no schema_migrations table")
        }
    }

    /// Refuses another application's database; returns how many tables the file has.
    private func checkIdentity() throws(JournalError) -> Int64 {
        let tables: Int64
        let applicationID: Int64
        do {
            applicationID = try database.integer("PRAGMA application_id")
            tables = try database.integer("SELECT count(*) FROM sqlite_master")
        } catch {
            throw .notAJournal(path, error.detail)
        }
        if tables > 0, applicationID != JournalSchema.applicationID {
            throw .notAJournal(path, "an SQLite database of another application")
        }
        return tables
    }

    /// The schema version the file is at; refuses one newer than this build.
    private func schemaVersion() throws(JournalError) -> Int {
        let current = Int(try database.integer("SELECT coalesce(max(version), 0) FROM schema_migrations"))
        guard current <= JournalSchema.latestVersion else {
            throw .newerSchema(path, found: current, supported: JournalSchema.latestVersion)
        }
        return current
    }

    /// Applies migrations and reads what a start needs. Nothing else is written until the state
    /// is restored (``beginRun(_:after:)``), so a start that fails leaves the journal as it was.
    /// - Parameters:
    ///   - expected: Where the journal's manager last committed (the lock file's mark): a journal
    ///     that ends before it went backwards and is refused, before anything is written.
    ///   - acceptingLoss: Start on a journal that went backwards all the same.
    /// - Returns: What the start needs, with the records lost when they were accepted.
    func start(expecting expected: CommitMark?, acceptingLoss: Bool) throws(JournalError) -> JournalFile.StartInfo {
        var lost: UInt64 = 0
        if let expected {
            let found = try commitMark()
            if !found.reaches(expected) {
                guard acceptingLoss else { throw .wentBackwards(path, found: found, expected: expected) }
                lost = expected.seq > found.seq ? expected.seq - found.seq : 0
            }
        }
        try migrate()
        var info = try reading { () throws(JournalError) in
            let epoch = UInt64(try state("epoch")) + 1
            let clean = try state("clean_shutdown", default: 1) == 1
            let checkpointSeq = UInt64(try state("checkpoint_seq"))
            let lastSeq = max(checkpointSeq, UInt64(try database.integer("SELECT coalesce(max(seq), 0) FROM journal")))
            // Records are numbered without gaps (a replay refuses one): the ends give the count
            // without a scan of every page of a long journal.
            let records = Int(try database.integer("SELECT coalesce(max(seq) - min(seq) + 1, 0) FROM journal"))
            return JournalFile.StartInfo(epoch: epoch, checkpointSeq: checkpointSeq, lastSeq: lastSeq, cleanShutdown: clean, records: records)
        }
        info.recordsLost = lost
        return info
    }

    /// Where the journal ends: its epoch and its last record (or its checkpoint's), read with
    /// or without checksums as the file's schema has them. A new file ends at 0.
    private func commitMark() throws(JournalError) -> CommitMark {
        guard try database.integer("SELECT count(*) FROM sqlite_master WHERE name = 'manager_state'") > 0 else {
            return CommitMark(epoch: 0, seq: 0)
        }
        version = try database.integer("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'") > 0 ? try schemaVersion() : 1
        let checkpointSeq = UInt64(try state("checkpoint_seq"))
        let lastSeq = UInt64(try database.integer("SELECT coalesce(max(seq), 0) FROM journal"))
        return CommitMark(epoch: UInt64(try state("epoch")), seq: max(checkpointSeq, lastSeq))
    }

    /// Records that a manager runs on the journal as `start.epoch`, until a clean stop says
    /// otherwise, and appends its start record after record `lastSeq`, in one transaction.
    /// - Returns: The start record's seq.
    func beginRun(_ start: ManagerStart, after lastSeq: UInt64) throws(JournalError) -> UInt64 {
        let record = JournalRecord(seq: lastSeq + 1, time: Date().timeIntervalSince1970, object: 0, op: ManagerStart.op, arguments: start.arguments)
        try transaction { () throws(JournalError) in
            try setState("epoch", Int64(start.epoch))
            try setState("clean_shutdown", 0)
            try insert(record)
        }
        return record.seq
    }

    private func migrate() throws(JournalError) {
        try database.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, file TEXT NOT NULL, applied_at REAL NOT NULL)")
        let current = try schemaVersion()
        for migration in JournalSchema.migrations where migration.version > current {
            try database.execute("BEGIN IMMEDIATE")
            do {
                try database.execute(migration.sql)
                if migration.version == JournalSchema.blocksVersion { try moveIntoBlocks() }
                try database.execute("INSERT INTO schema_migrations (version, file, applied_at) VALUES (\(migration.version), '\(migration.file)', CAST(strftime('%s', 'now') AS REAL))")
                try database.execute("COMMIT")
                version = migration.version
            } catch {
                try? database.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// The part of schema 4's migration that SQL cannot do (`migrations/sqlite/0004_blocks.sql`): reads
    /// every dict, list and queue as the journal held them before, each row checked, and writes
    /// them into `blocks` as a checkpoint would; then drops `dict_entries`. Inside the migration's
    /// transaction, so a journal that cannot be moved is left as it was.
    private func moveIntoBlocks() throws(JournalError) {
        var plan = CheckpointPlan()
        var blocks = 0
        for object in try loadObjectsBeforeBlocks(only: nil) {
            // Only the types kept in blocks move; the others' rows stay as they are.
            guard CheckpointLayout.of(object.typeID) != .whole, let restore = TypeRegistry.syncManager[object.typeID]?.restore else { continue }
            let restored: any SharedObject
            do {
                restored = try restore(object.state)
            } catch {
                throw .damaged(path, "\(object.typeID) #\(object.id) cannot be moved into blocks: \(error.message)")
            }
            guard let changes = restored.checkpointChanges(everything: true) else { continue }
            plan.objects.append(.init(id: object.id, typeID: object.typeID, name: object.name, changes: changes))
            blocks += restored.blockRows
        }
        try writeObjects(plan)
        try database.execute("DROP TABLE dict_entries; DELETE FROM manager_state WHERE key = 'entries_rows'")
        try setState("blocks_rows", Int64(blocks))
    }

    private func state(_ key: String, default fallback: Int64 = 0) throws(JournalError) -> Int64 {
        try optionalState(key) ?? fallback
    }

    private func optionalState(_ key: String) throws(JournalError) -> Int64? {
        let statement = try database.prepare("SELECT value, \(checked("key, value")) FROM manager_state WHERE key = ?")
        statement.bind(1, key)
        guard try statement.step() else { return nil }
        guard statement.int64(1) == 1 else { throw .damaged(path, "manager_state '\(key)' fails its checksum") }
        return statement.int64(0)
    }

    private func setState(_ key: String, _ value: Int64) throws(JournalError) {
        let statement = try database.prepare("INSERT OR REPLACE INTO manager_state (key, value, crc) VALUES (?1, ?2, dm_row_crc(?1, ?2))")
        statement.bind(1, key)
        statement.bind(2, value)
        try statement.step()
    }

    /// An SQL expression that is 1 when a row's `crc` matches its `columns`, or always 1 for a
    /// journal written before checksums.
    private func checked(_ columns: String) -> String {
        checksums ? "crc IS dm_row_crc(\(columns))" : "1"
    }

    // MARK: Writing

    /// Commits `records` in one transaction.
    /// - Returns: The WAL's length in pages after it, which tells the caller when to fold it in.
    @discardableResult
    func commit(_ records: [JournalRecord]) throws(JournalError) -> Int {
        guard !records.isEmpty else { return database.framesInWAL }
        try transaction { () throws(JournalError) in
            for record in records { try insert(record) }
        }
        return database.framesInWAL
    }

    /// Copies the WAL into the file (a passive checkpoint: readers are not waited for), so
    /// that it stops growing; on the journal's thread, never the loop.
    func checkpointWAL() throws(JournalError) {
        try database.checkpointWAL(truncate: false)
    }

    /// Inserts one record; inside a transaction.
    private func insert(_ record: JournalRecord) throws(JournalError) {
        guard let insert = insertRecord else { throw .writeFailed(path, database.lastMessage) }
        insert.bind(1, Int64(bitPattern: record.seq))
        insert.bind(2, record.time)
        insert.bind(3, Int64(bitPattern: record.object))
        insert.bind(4, record.op)
        try insert.bind(5, encoded: .array(record.arguments))
        insert.bind(6, record.session)
        if let request = record.request { insert.bind(7, Int64(bitPattern: request)) }
        if let reply = record.reply { try insert.bind(8, encoded: reply) }
        defer { insert.reset() }
        try insert.step()
    }

    /// Writes the changed objects, drops the journal up to the plan's record and truncates the
    /// WAL. One transaction: a crash in the middle leaves the last checkpoint and the journal.
    func checkpoint(_ plan: CheckpointPlan) throws(JournalError) {
        try transaction { () throws(JournalError) in
            // The journal goes first: the pages it frees hold the new state when the disk is full.
            try database.execute("DELETE FROM journal WHERE seq <= \(Int64(bitPattern: plan.upTo))")
            if plan.replaceAll {
                try database.execute("DELETE FROM blocks; DELETE FROM objects")
            }
            try writeObjects(plan)
            try setState("checkpoint_seq", Int64(bitPattern: plan.upTo))
            try setState("objects_rows", Int64(plan.rows.objects))
            try setState("blocks_rows", Int64(plan.rows.blocks))
            if let replies = plan.replies { try writeReplies(replies) }
            try setState("checkpoint_time", Int64(Date().timeIntervalSince1970))
        }
        try database.checkpointWAL(truncate: true)
    }

    /// Writes the plan's objects and their blocks and deletes its dropped ones; inside a
    /// transaction. One prepared statement per kind of row, reused for every row.
    private func writeObjects(_ plan: CheckpointPlan) throws(JournalError) {
        let upsertObject = try database.prepare("""
            INSERT INTO objects (id, type, name, state, crc) VALUES (?1, ?2, ?3, ?4, dm_row_crc(?1, ?2, ?3, ?4))
            ON CONFLICT (id) DO UPDATE SET type = excluded.type, name = excluded.name, state = excluded.state, crc = excluded.crc
            """)
        let writeBlock = try database.prepare(
            "INSERT OR REPLACE INTO blocks (object, block, data, crc) VALUES (?1, ?2, ?3, dm_row_crc(?1, ?2, ?3))"
        )
        let deleteBlock = try database.prepare("DELETE FROM blocks WHERE object = ? AND block = ?")
        let deleteBlocks = try database.prepare("DELETE FROM blocks WHERE object = ?")
        let deleteObject = try database.prepare("DELETE FROM objects WHERE id = ?")
        for id in plan.dropped {
            for statement in [deleteBlocks, deleteObject] {
                statement.bind(1, Int64(bitPattern: id))
                try statement.step()
                statement.reset()
            }
        }
        // Unnamed rows first, so that a name that moved to a new object is free when it is written.
        for row in plan.objects.sorted(by: { ($0.name == nil ? 0 : 1) < ($1.name == nil ? 0 : 1) }) {
            let id = Int64(bitPattern: row.id)
            upsertObject.bind(1, id)
            upsertObject.bind(2, row.typeID)
            upsertObject.bind(3, row.name)
            switch row.changes {
            case .whole(let state): try upsertObject.bind(4, encoded: state)
            case .blocks(let changes): try upsertObject.bind(4, encoded: changes.state)
            }
            try upsertObject.step()
            upsertObject.reset()
            guard case .blocks(let changes) = row.changes else { continue }
            if changes.rewrite, !plan.replaceAll {
                deleteBlocks.bind(1, id)
                try deleteBlocks.step()
                deleteBlocks.reset()
            }
            for block in changes.deletes {
                deleteBlock.bind(1, id)
                deleteBlock.bind(2, block)
                try deleteBlock.step()
                deleteBlock.reset()
            }
            for block in changes.writes {
                writeBlock.bind(1, id)
                writeBlock.bind(2, block.number)
                try writeBlock.bind(3, encoded: block.data)
                try writeBlock.step()
                writeBlock.reset()
            }
        }
    }

    func markClean() throws(JournalError) {
        try setState("clean_shutdown", 1)
        try database.checkpointWAL(truncate: true)
    }

    private func transaction(_ body: () throws(JournalError) -> Void) throws(JournalError) {
        try run(beginImmediate, orExecute: "BEGIN IMMEDIATE")
        do {
            try body()
            try run(commitTransaction, orExecute: "COMMIT")
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
    }

    /// Runs a statement prepared once, or `sql` when it could not be prepared.
    private func run(_ statement: SQLiteStatement?, orExecute sql: String) throws(JournalError) {
        guard let statement else { return try database.execute(sql) }
        defer { statement.reset() }
        try statement.step()
    }

    // MARK: Reading

    /// What the journal's tables say about it, without changing anything.
    func facts() throws(JournalError) -> JournalFacts {
        JournalFacts(
            schemaVersion: try schemaVersion(),
            epoch: UInt64(try state("epoch")),
            cleanShutdown: try state("clean_shutdown", default: 1) == 1,
            checkpointSeq: UInt64(try state("checkpoint_seq")),
            lastCheckpointTime: try optionalState("checkpoint_time").map(Double.init),
            records: Int(try database.integer("SELECT count(*) FROM journal")),
            firstSeq: try database.optionalInteger("SELECT min(seq) FROM journal").map(UInt64.init),
            lastSeq: try database.optionalInteger("SELECT max(seq) FROM journal").map(UInt64.init)
        )
    }

    /// Whether the journal holds any object or record of one; the manager's own start records
    /// are no state, so a journal a manager only started on is still empty.
    func holdsState() throws(JournalError) -> Bool {
        try database.integer("SELECT (SELECT count(*) FROM objects) + (SELECT count(*) FROM journal WHERE object != 0)") > 0
    }

    /// Raises the epoch to at least `epoch`, so that ids made later cannot collide with imported ones.
    func raiseEpoch(to epoch: UInt64) throws(JournalError) {
        guard epoch > UInt64(try state("epoch")) else { return }
        try setState("epoch", Int64(epoch))
    }

    /// Runs `body` in one read transaction: a checkpoint that commits meanwhile is not seen, so
    /// the objects and the records after them stay consistent.
    func reading<Result>(_ body: () throws(JournalError) -> Result) throws(JournalError) -> Result {
        try database.execute("BEGIN DEFERRED")
        defer { try? database.execute("COMMIT") }
        return try body()
    }

    /// `PRAGMA integrity_check`'s findings, one per line; empty when the file is sound. A file
    /// too damaged for the check to run is one finding.
    func integrityProblems() -> [String] {
        var problems: [String] = []
        do {
            let statement = try database.prepare("PRAGMA integrity_check")
            while try statement.step() {
                guard let text = statement.string(0), text != "ok" else { continue }
                problems += text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("*** in database") }
            }
        } catch {
            problems.append("the integrity check cannot run: \(error.detail)")
        }
        return problems
    }

    /// Every object as of the last checkpoint, or only `id`'s. Every row's checksum is
    /// checked, and, for all objects, that no row is missing.
    func loadObjects(only id: UInt64?) throws(JournalError) -> [JournalFile.StoredObject] {
        guard version >= JournalSchema.blocksVersion else { return try loadObjectsBeforeBlocks(only: id) }
        let rows = try database.prepare("SELECT id, type, name, state, \(checked("id, type, name, state")) FROM objects\(id == nil ? "" : " WHERE id = ?") ORDER BY id")
        if let id { rows.bind(1, Int64(bitPattern: id)) }
        // Read alongside the objects, both in id order: one pass over each table.
        let blocks = try database.prepare("SELECT object, block, data, \(checked("object, block, data")) FROM blocks\(id == nil ? "" : " WHERE object = ?") ORDER BY object, block")
        if let id { blocks.bind(1, Int64(bitPattern: id)) }
        var blockRows = 0
        var hasBlock = try blocks.step()
        var objects: [JournalFile.StoredObject] = []
        while try rows.step() {
            let objectID = UInt64(bitPattern: rows.int64(0))
            let typeID = rows.string(1) ?? ""
            guard rows.int64(4) == 1 else { throw .damaged(path, "the row of #\(objectID) in objects fails its checksum") }
            let state = try naming("the state of #\(objectID) (\(typeID)) in objects") { () throws(JournalError) in try rows.value(3) }
            // The blocks of objects before this one belong to no object.
            if hasBlock, UInt64(bitPattern: blocks.int64(0)) < objectID {
                throw .damaged(path, "block \(blocks.int64(1)) of #\(UInt64(bitPattern: blocks.int64(0))) in blocks belongs to no object")
            }
            var reader = BlockReader(object: objectID, typeID: typeID, path: path)
            while hasBlock, UInt64(bitPattern: blocks.int64(0)) == objectID {
                let block = blocks.int64(1)
                let place = "block \(block) of \(typeID) #\(objectID) in blocks"
                guard blocks.int64(3) == 1 else { throw .damaged(path, "\(place) fails its checksum") }
                let data = try naming(place) { () throws(JournalError) in try blocks.value(2) }
                try reader.read(block, data, place: place)
                blockRows += 1
                hasBlock = try blocks.step()
            }
            objects.append(.init(id: objectID, typeID: typeID, name: rows.string(2), state: try reader.restoredState(state)))
        }
        if hasBlock {
            throw .damaged(path, "block \(blocks.int64(1)) of #\(UInt64(bitPattern: blocks.int64(0))) in blocks belongs to no object")
        }
        if id == nil {
            try expectRows(objects.count, of: "objects", counted: "objects_rows")
            try expectRows(blockRows, of: "blocks", counted: "blocks_rows")
        }
        return objects
    }

    /// ``loadObjects(only:)`` for a journal before schema 4 (a reader's, not yet migrated): a
    /// dict's entries in `dict_entries`, every other object's state whole.
    private func loadObjectsBeforeBlocks(only id: UInt64?) throws(JournalError) -> [JournalFile.StoredObject] {
        let rows = try database.prepare("SELECT id, type, name, state, \(checked("id, type, name, state")) FROM objects\(id == nil ? "" : " WHERE id = ?") ORDER BY id")
        if let id { rows.bind(1, Int64(bitPattern: id)) }
        let entries = try database.prepare("SELECT key, position, value, \(checked("object, key, position, value")) FROM dict_entries WHERE object = ? ORDER BY position")
        var objects: [JournalFile.StoredObject] = []
        var entryRows = 0
        while try rows.step() {
            let objectID = UInt64(bitPattern: rows.int64(0))
            let typeID = rows.string(1) ?? ""
            guard rows.int64(4) == 1 else { throw .damaged(path, "the row of #\(objectID) in objects fails its checksum") }
            let state: RestoredState
            if typeID == "dict" {
                var dictRows: [DictEntryRow] = []
                entries.bind(1, Int64(bitPattern: objectID))
                while try entries.step() {
                    let position = entries.int64(1)
                    let place = "entry \(position) of dict #\(objectID) in dict_entries"
                    guard entries.int64(3) == 1 else { throw .damaged(path, "\(place) fails its checksum") }
                    try naming(place) { () throws(JournalError) in
                        dictRows.append(DictEntryRow(key: try entries.value(0), value: try entries.value(2), position: position))
                    }
                }
                entries.reset()
                entryRows += dictRows.count
                state = .entries(dictRows)
            } else {
                state = .whole(try naming("the state of #\(objectID) (\(typeID)) in objects") { () throws(JournalError) in try rows.value(3) })
            }
            objects.append(.init(id: objectID, typeID: typeID, name: rows.string(2), state: state))
        }
        if id == nil, checksums {
            try expectRows(objects.count, of: "objects", counted: "objects_rows")
            try expectRows(entryRows, of: "dict_entries", counted: "entries_rows")
        }
        return objects
    }

    /// Replaces the `replies` table with what the reply memory holds; inside a checkpoint.
    private func writeReplies(_ rows: [ReplyMemory.Row]) throws(JournalError) {
        try database.execute("DELETE FROM replies")
        let insert = try database.prepare(
            "INSERT OR REPLACE INTO replies (session, request, reply, crc) VALUES (?1, ?2, ?3, dm_row_crc(?1, ?2, ?3))"
        )
        for row in rows {
            insert.bind(1, row.session)
            insert.bind(2, Int64(bitPattern: row.request))
            if let reply = row.reply { try insert.bind(3, encoded: reply) }
            try insert.step()
            insert.reset()
        }
        try setState("replies_rows", Int64(rows.count))
    }

    /// The replies the last checkpoint remembered (none before schema 3), each checked.
    func loadReplies() throws(JournalError) -> [ReplyMemory.Row] {
        guard version >= JournalSchema.callersVersion else { return [] }
        let statement = try database.prepare("SELECT session, request, reply, \(checked("session, request, reply")) FROM replies")
        var rows: [ReplyMemory.Row] = []
        while try statement.step() {
            let request = UInt64(bitPattern: statement.int64(1))
            guard statement.int64(3) == 1 else { throw .damaged(path, "the remembered reply of request \(request) in replies fails its checksum") }
            let reply = statement.isNull(2) ? nil : try naming("the remembered reply of request \(request) in replies") { () throws(JournalError) in try statement.value(2) }
            rows.append(ReplyMemory.Row(session: statement.string(0) ?? "", request: request, reply: reply))
        }
        try expectRows(rows.count, of: "replies", counted: "replies_rows")
        return rows
    }

    /// Checks that a table holds the rows the last checkpoint wrote: damage can make rows vanish
    /// without failing any checksum.
    private func expectRows(_ found: Int, of table: String, counted key: String) throws(JournalError) {
        let written = try state(key)
        guard found == Int(written) else {
            throw .damaged(path, "\(table) holds \(found) rows, but the last checkpoint wrote \(written)")
        }
    }

    /// The seq after which the last `count` records after `seq` (only `object`'s, when given) begin.
    func seq(beforeLast count: Int, after seq: UInt64, object: UInt64?) throws(JournalError) -> UInt64 {
        let statement = try database.prepare("SELECT seq FROM journal WHERE seq > ?\(object == nil ? "" : " AND object = ?") ORDER BY seq DESC LIMIT 1 OFFSET ?")
        statement.bind(1, Int64(bitPattern: seq))
        if let object { statement.bind(2, Int64(bitPattern: object)) }
        statement.bind(object == nil ? 2 : 3, Int64(count))
        return try statement.step() ? UInt64(bitPattern: statement.int64(0)) : seq
    }

    /// Up to `limit` records after `seq`, oldest first; only `object`'s when given.
    func records(after seq: UInt64, limit: Int, object: UInt64?) throws(JournalError) -> [JournalRecord] {
        let filter = object == nil ? "" : " AND object = ?"
        let statement = try database.prepare("SELECT \(recordColumns) FROM journal WHERE seq > ?\(filter) ORDER BY seq LIMIT ?")
        statement.bind(1, Int64(bitPattern: seq))
        if let object {
            statement.bind(2, Int64(bitPattern: object))
            statement.bind(3, Int64(limit))
        } else {
            statement.bind(2, Int64(limit))
        }
        var records: [JournalRecord] = []
        while try statement.step() {
            records.append(try record(statement))
        }
        return records
    }

    /// Runs `body`; a damaged value it meets is named with `place`, so that `verify` says where it is.
    /// The place is made only when there is damage: this runs for every record a replay reads.
    private func naming<Result>(_ place: @autoclosure () -> String, _ body: () throws(JournalError) -> Result) throws(JournalError) -> Result {
        do {
            return try body()
        } catch where error.isDamaged {
            throw .damaged(path, "\(place()): \(error.detail)")
        }
    }

    /// What a record is read from, in order, its checksum's check last; NULL for the columns
    /// a journal of an older schema lacks.
    private var recordColumns: String {
        switch version {
        case ..<JournalSchema.checksumsVersion: "seq, time, object, op, args, NULL, NULL, NULL, 1"
        case ..<JournalSchema.callersVersion: "seq, time, object, op, args, NULL, NULL, NULL, crc IS dm_row_crc(seq, time, object, op, args)"
        default: "seq, time, object, op, args, session, request, reply, crc IS dm_row_crc(seq, time, object, op, args, session, request, reply)"
        }
    }

    /// The record in a row of `SELECT recordColumns`.
    private func record(_ statement: SQLiteStatement) throws(JournalError) -> JournalRecord {
        guard statement.int64(8) == 1 else { throw .damaged(path, "record \(statement.int64(0)) in journal fails its checksum") }
        let arguments = try naming("the arguments of record \(statement.int64(0)) in journal") { () throws(JournalError) in try statement.value(4) }
        guard case .array(let arguments) = arguments else {
            throw .damaged(path, "record \(statement.int64(0)) has no argument list")
        }
        let reply = statement.isNull(7) ? nil : try naming("the reply of record \(statement.int64(0)) in journal") { () throws(JournalError) in try statement.value(7) }
        return JournalRecord(
            seq: UInt64(bitPattern: statement.int64(0)), time: statement.double(1),
            object: UInt64(bitPattern: statement.int64(2)), op: statement.recurringString(3) ?? "", arguments: arguments,
            session: statement.recurringString(5), request: statement.isNull(6) ? nil : UInt64(bitPattern: statement.int64(6)), reply: reply
        )
    }
}

extension SQLiteJournalConnection {
    /// Every checkpointed object's id, type and name, without its state.
    func objectNames() throws(JournalError) -> [(id: UInt64, typeID: String, name: String?)] {
        let rows = try database.prepare("SELECT id, type, name FROM objects ORDER BY id")
        var names: [(id: UInt64, typeID: String, name: String?)] = []
        while try rows.step() {
            names.append((UInt64(bitPattern: rows.int64(0)), rows.string(1) ?? "", rows.string(2)))
        }
        return names
    }

    /// Every `create`, `unname` and `drop` record, oldest first: which objects came and went
    /// since the checkpoint, under which names.
    func lifecycleRecords() throws(JournalError) -> [JournalRecord] {
        let statement = try database.prepare("SELECT \(recordColumns) FROM journal WHERE op IN \(StoreOp.lifecycleSQL) ORDER BY seq")
        var records: [JournalRecord] = []
        while try statement.step() {
            records.append(try record(statement))
        }
        return records
    }
}
