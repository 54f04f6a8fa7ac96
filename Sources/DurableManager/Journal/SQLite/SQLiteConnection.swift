import CSQLite

/// One SQLite connection, used by one thread at a time.
///
/// The raw C API rather than a wrapper library: group commit needs prepared statements and
/// exact control of transactions and `synchronous` (see `../shared/STYLE.md`'s measured figures).
final class SQLiteConnection {
    let path: String
    private(set) var handle: OpaquePointer?
    /// Where SQLite's WAL hook writes the WAL's length in frames after each commit; set by
    /// ``takeOverWALCheckpoints()``.
    private var walFrames: UnsafeMutablePointer<Int32>?

    /// Opens (or, with `create`, creates) the database at `path`.
    init(path: String, readOnly: Bool = false, create: Bool = true) throws(JournalError) {
        self.path = path
        var flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if create, !readOnly { flags |= SQLITE_OPEN_CREATE }
        flags |= SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_close(handle)
            handle = nil
            throw .cannotOpen(path, message)
        }
        sqlite3_busy_timeout(handle, 5000)
        sqlite3_extended_result_codes(handle, 1)
        // Closing the last connection would fold the WAL into the file and delete it: a start
        // that refuses a damaged journal must leave it exactly as it found it. Checkpoints are
        // the journal's own (Journal, JournalConnection.checkpoint).
        sqlite3_db_config_int(handle, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1)
        try registerRowChecksum()
    }

    deinit {
        sqlite3_close_v2(handle)
        walFrames?.deallocate()
    }

    /// Stops SQLite from folding the WAL into the file by itself at the end of a commit (it would
    /// do so on whatever thread commits, the manager's event loop included) and notes the WAL's
    /// length after each commit instead, so that the owner runs ``checkpointWAL(truncate:)`` on a
    /// thread of its choosing.
    func takeOverWALCheckpoints() {
        let frames = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        frames.initialize(to: 0)
        walFrames = frames
        // A hook of our own replaces the automatic checkpoint, which is itself such a hook.
        sqlite3_wal_hook(handle, { context, _, _, count in
            context?.assumingMemoryBound(to: Int32.self).pointee = count
            return SQLITE_OK
        }, frames)
    }

    /// The WAL's length in frames (pages) after the last commit; 0 when not tracked.
    var framesInWAL: Int { walFrames.map { Int($0.pointee) } ?? 0 }

    /// Copies the WAL's pages into the file: `PASSIVE` (what SQLite's automatic checkpoint does:
    /// waits for no reader, so a long `durablectl` read delays it but is never blocked by it), or
    /// `TRUNCATE`, which also empties the WAL file.
    func checkpointWAL(truncate: Bool) throws(JournalError) {
        let status = sqlite3_wal_checkpoint_v2(handle, nil, truncate ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        guard status == SQLITE_OK || status == SQLITE_BUSY else { throw error(status, lastMessage) }
        if truncate, status == SQLITE_OK { walFrames?.pointee = 0 }
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws(JournalError) {
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &message)
        guard status == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_free(message)
            throw error(status, text)
        }
    }

    func prepare(_ sql: String) throws(JournalError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw error(status, lastMessage) }
        return SQLiteStatement(statement, connection: self)
    }

    /// The single integer a query returns (0 when it returns no row).
    func integer(_ sql: String) throws(JournalError) -> Int64 {
        let statement = try prepare(sql)
        guard try statement.step() else { return 0 }
        return statement.int64(0)
    }

    /// The single integer a query returns, nil for no row or NULL (`min` of an empty table).
    func optionalInteger(_ sql: String) throws(JournalError) -> Int64? {
        let statement = try prepare(sql)
        guard try statement.step(), !statement.isNull(0) else { return nil }
        return statement.int64(0)
    }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// Turns an SQLite status into the journal error an operator can act on.
    func error(_ status: Int32, _ message: String) -> JournalError {
        switch status & 0xff {
        case SQLITE_FULL: .full(path, message)
        case SQLITE_NOTADB: .notAJournal(path, message)
        case SQLITE_CORRUPT: .damaged(path, message)
        case SQLITE_BUSY, SQLITE_LOCKED: .inUse(path, message)
        default: .writeFailed(path, message)
        }
    }
}
