import CSQLite

/// One SQLite connection, used by one thread at a time.
///
/// The raw C API rather than a wrapper library: group commit needs prepared statements and
/// exact control of transactions and `synchronous` (see `../shared/STYLE.md`'s measured figures).
final class SQLiteConnection {
    let path: String
    private(set) var handle: OpaquePointer?

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
