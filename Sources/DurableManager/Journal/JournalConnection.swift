import CSQLite
import DurableWire
#if canImport(Glibc)
import Glibc
#endif

/// The journal's statements over one SQLite connection. Used only on ``JournalFile``'s thread.
final class JournalConnection {
    private let database: SQLiteConnection
    private var path: String { database.path }
    private lazy var insertRecord = try? database.prepare("INSERT INTO journal (seq, time, object, op, args) VALUES (?, ?, ?, ?, ?)")

    /// Opens the file and makes sure it is a journal this build can read, before writing to it.
    init(path: String, durability: Durability, maxPageCount: Int?) throws(JournalError) {
        database = try SQLiteConnection(path: path)
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
        try database.execute("PRAGMA journal_mode = WAL")
        try database.execute("PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
        if tables == 0 {
            try database.execute("PRAGMA application_id = \(JournalSchema.applicationID)")
        }
        if let maxPageCount {
            try database.execute("PRAGMA max_page_count = \(maxPageCount)")
        }
    }

    /// Applies migrations and begins a new epoch.
    func start() throws(JournalError) -> JournalFile.StartInfo {
        try migrate()
        try database.execute("BEGIN IMMEDIATE")
        do {
            let epoch = UInt64(try state("epoch")) + 1
            let clean = try state("clean_shutdown", default: 1) == 1
            try setState("epoch", Int64(epoch))
            try setState("clean_shutdown", 0)
            let checkpointSeq = UInt64(try state("checkpoint_seq"))
            let lastSeq = max(checkpointSeq, UInt64(try database.integer("SELECT coalesce(max(seq), 0) FROM journal")))
            let records = Int(try database.integer("SELECT count(*) FROM journal"))
            try database.execute("COMMIT")
            return .init(epoch: epoch, checkpointSeq: checkpointSeq, lastSeq: lastSeq, cleanShutdown: clean, records: records)
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
    }

    private func migrate() throws(JournalError) {
        try database.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, file TEXT NOT NULL, applied_at REAL NOT NULL)")
        let current = Int(try database.integer("SELECT coalesce(max(version), 0) FROM schema_migrations"))
        guard current <= JournalSchema.latestVersion else {
            throw .newerSchema(path, found: current, supported: JournalSchema.latestVersion)
        }
        for migration in JournalSchema.migrations where migration.version > current {
            try database.execute("BEGIN IMMEDIATE")
            do {
                try database.execute(migration.sql)
                try database.execute("INSERT INTO schema_migrations (version, file, applied_at) VALUES (\(migration.version), '\(migration.file)', CAST(strftime('%s', 'now') AS REAL))")
                try database.execute("COMMIT")
            } catch {
                try? database.execute("ROLLBACK")
                throw error
            }
        }
    }

    private func state(_ key: String, default fallback: Int64 = 0) throws(JournalError) -> Int64 {
        let statement = try database.prepare("SELECT value FROM manager_state WHERE key = ?")
        statement.bind(1, key)
        return try statement.step() ? statement.int64(0) : fallback
    }

    private func setState(_ key: String, _ value: Int64) throws(JournalError) {
        let statement = try database.prepare("INSERT OR REPLACE INTO manager_state (key, value) VALUES (?, ?)")
        statement.bind(1, key)
        statement.bind(2, value)
        try statement.step()
    }

    // MARK: Writing

    /// Commits `records` in one transaction.
    func commit(_ records: [JournalRecord]) throws(JournalError) {
        guard !records.isEmpty else { return }
        guard let insert = insertRecord else { throw .writeFailed(path, database.lastMessage) }
        try transaction { () throws(JournalError) in
            for record in records {
                insert.bind(1, Int64(bitPattern: record.seq))
                insert.bind(2, record.time)
                insert.bind(3, Int64(bitPattern: record.object))
                insert.bind(4, record.op)
                insert.bind(5, encoded: .array(record.arguments))
                defer { insert.reset() }
                try insert.step()
            }
        }
    }

    /// Writes the changed objects, drops the journal up to the plan's record and truncates the
    /// WAL. One transaction: a crash in the middle leaves the last checkpoint and the journal.
    func checkpoint(_ plan: CheckpointPlan) throws(JournalError) {
        try transaction { () throws(JournalError) in
            let upsertObject = try database.prepare("INSERT INTO objects (id, type, name, state) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET type = excluded.type, name = excluded.name, state = excluded.state")
            let upsertEntry = try database.prepare("INSERT OR REPLACE INTO dict_entries (object, key, position, value) VALUES (?, ?, ?, ?)")
            let deleteEntry = try database.prepare("DELETE FROM dict_entries WHERE object = ? AND key = ?")
            let deleteEntries = try database.prepare("DELETE FROM dict_entries WHERE object = ?")
            let deleteObject = try database.prepare("DELETE FROM objects WHERE id = ?")
            // The journal goes first: the pages it frees hold the new state when the disk is full.
            try database.execute("DELETE FROM journal WHERE seq <= \(Int64(bitPattern: plan.upTo))")
            if plan.replaceAll {
                try database.execute("DELETE FROM dict_entries; DELETE FROM objects")
            }
            for id in plan.dropped {
                for statement in [deleteEntries, deleteObject] {
                    statement.bind(1, Int64(bitPattern: id))
                    try statement.step()
                    statement.reset()
                }
            }
            // Unnamed rows first, so that a name that moved to a new object is free when it is written.
            for row in plan.objects.sorted(by: { ($0.name == nil ? 0 : 1) < ($1.name == nil ? 0 : 1) }) {
                upsertObject.bind(1, Int64(bitPattern: row.id))
                upsertObject.bind(2, row.typeID)
                upsertObject.bind(3, row.name)
                switch row.changes {
                case .whole(let state): upsertObject.bind(4, encoded: state)
                case .entries: upsertObject.bind(4, encoded: .null)
                }
                try upsertObject.step()
                upsertObject.reset()
                guard case .entries(let upserts, let deletes, let rewrite) = row.changes else { continue }
                if rewrite {
                    deleteEntries.bind(1, Int64(bitPattern: row.id))
                    try deleteEntries.step()
                    deleteEntries.reset()
                }
                for key in deletes {
                    deleteEntry.bind(1, Int64(bitPattern: row.id))
                    deleteEntry.bind(2, encoded: key)
                    try deleteEntry.step()
                    deleteEntry.reset()
                }
                for entry in upserts {
                    upsertEntry.bind(1, Int64(bitPattern: row.id))
                    upsertEntry.bind(2, encoded: entry.key)
                    upsertEntry.bind(3, entry.position)
                    upsertEntry.bind(4, encoded: entry.value)
                    try upsertEntry.step()
                    upsertEntry.reset()
                }
            }
            try setState("checkpoint_seq", Int64(bitPattern: plan.upTo))
        }
        try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    func markClean() throws(JournalError) {
        try setState("clean_shutdown", 1)
        try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    private func transaction(_ body: () throws(JournalError) -> Void) throws(JournalError) {
        try database.execute("BEGIN IMMEDIATE")
        do {
            try body()
            try database.execute("COMMIT")
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
    }

    // MARK: Reading

    /// Every object as of the last checkpoint, or only `id`'s.
    func loadObjects(only id: UInt64? = nil) throws(JournalError) -> [JournalFile.StoredObject] {
        let rows = try database.prepare("SELECT id, type, name, state FROM objects\(id == nil ? "" : " WHERE id = ?") ORDER BY id")
        if let id { rows.bind(1, Int64(bitPattern: id)) }
        let entries = try database.prepare("SELECT key, position, value FROM dict_entries WHERE object = ? ORDER BY position")
        var objects: [JournalFile.StoredObject] = []
        while try rows.step() {
            let objectID = UInt64(bitPattern: rows.int64(0))
            let typeID = rows.string(1) ?? ""
            let state: RestoredState
            if typeID == "dict" {
                var dictRows: [DictEntryRow] = []
                entries.bind(1, Int64(bitPattern: objectID))
                while try entries.step() {
                    dictRows.append(DictEntryRow(key: try entries.value(0), value: try entries.value(2), position: entries.int64(1)))
                }
                entries.reset()
                state = .entries(dictRows)
            } else {
                state = .whole(try rows.value(3))
            }
            objects.append(.init(id: objectID, typeID: typeID, name: rows.string(2), state: state))
        }
        return objects
    }

    /// Up to `limit` records after `seq`, oldest first; only `object`'s when given.
    func records(after seq: UInt64, limit: Int, object: UInt64? = nil) throws(JournalError) -> [JournalRecord] {
        let filter = object == nil ? "" : " AND object = ?"
        let statement = try database.prepare("SELECT seq, time, object, op, args FROM journal WHERE seq > ?\(filter) ORDER BY seq LIMIT ?")
        statement.bind(1, Int64(bitPattern: seq))
        if let object {
            statement.bind(2, Int64(bitPattern: object))
            statement.bind(3, Int64(limit))
        } else {
            statement.bind(2, Int64(limit))
        }
        var records: [JournalRecord] = []
        while try statement.step() {
            guard case .array(let arguments) = try statement.value(4) else {
                throw .damaged(path, "record \(statement.int64(0)) has no argument list")
            }
            records.append(JournalRecord(
                seq: UInt64(bitPattern: statement.int64(0)), time: statement.double(1),
                object: UInt64(bitPattern: statement.int64(2)), op: statement.string(3) ?? "", arguments: arguments
            ))
        }
        return records
    }
}
