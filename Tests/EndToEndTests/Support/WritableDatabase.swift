import CSQLite
import Foundation

/// A read-write SQLite connection for making bad files on purpose: another application's
/// database, or a damaged or future copy of a journal. Never opened on a journal a test still
/// reads as the manager's own; ``copy(journal:to:)`` gives a copy to spoil.
final class WritableDatabase {
    private var handle: OpaquePointer?
    let path: String

    /// Opens (creating if missing) the database at `path`.
    init(path: String) throws {
        self.path = path
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            handle = nil
            throw FixtureError("cannot open \(path) for writing: \(message)")
        }
        sqlite3_busy_timeout(handle, 5_000)
    }

    deinit { close() }

    /// Copies a stopped (or killed) manager's journal, with its WAL, to `destination` and opens
    /// the copy.
    static func copy(journal source: String, to destination: String) throws -> WritableDatabase {
        let files = FileManager.default
        for suffix in ["", "-wal"] where files.fileExists(atPath: source + suffix) {
            try? files.removeItem(atPath: destination + suffix)
            try files.copyItem(atPath: source + suffix, toPath: destination + suffix)
        }
        return try WritableDatabase(path: destination)
    }

    /// Runs `sql` (one or more statements).
    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &error) == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(error)
            throw FixtureError("\(sql) on \(path): \(message)")
        }
    }

    /// Folds the WAL into the file, so that every page is where a byte-level edit finds it, and
    /// closes the connection (which removes the WAL).
    func checkpointAndClose() throws {
        try execute("PRAGMA wal_checkpoint(TRUNCATE)")
        close()
    }

    func close() {
        sqlite3_close(handle)
        handle = nil
    }
}
