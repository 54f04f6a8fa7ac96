import CSQLite
import Foundation

/// A read-only look into a journal file, as an operator's tool takes it: opened with
/// `SQLITE_OPEN_READONLY`, so it never writes, and safe while the manager runs (WAL readers do
/// not block the writer).
final class JournalDatabase {
    private var handle: OpaquePointer?
    let path: String

    init(path: String) throws {
        self.path = path
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw FixtureError("cannot open \(path) read-only: \(message)")
        }
        sqlite3_busy_timeout(handle, 5_000)
    }

    deinit { sqlite3_close(handle) }

    /// The first column of every row `sql` returns, as text.
    func strings(_ sql: String) throws -> [String] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else {
            throw FixtureError("\(sql) on \(path): \(String(cString: sqlite3_errmsg(handle)))")
        }
        defer { sqlite3_finalize(statement) }
        var rows: [String] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return rows }
            guard status == SQLITE_ROW else {
                throw FixtureError("\(sql) on \(path): \(String(cString: sqlite3_errmsg(handle)))")
            }
            rows.append(sqlite3_column_text(statement, 0).map { String(cString: $0) } ?? "NULL")
        }
    }

    /// The one integer `sql` returns.
    func integer(_ sql: String) throws -> Int {
        guard let text = try strings(sql).first, let value = Int(text) else {
            throw FixtureError("\(sql) on \(path) returned no integer")
        }
        return value
    }

    /// `PRAGMA integrity_check`: `["ok"]` for a sound file, else one line per problem.
    func integrityCheck() throws -> [String] {
        try strings("PRAGMA integrity_check")
    }

    /// The records in the `journal` table: what a start would replay.
    func journalRecords() throws -> Int {
        try integer("SELECT count(*) FROM journal")
    }
}
