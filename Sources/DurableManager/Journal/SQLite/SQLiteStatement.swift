import CSQLite
import NIOCore
import DurableWire

/// A prepared statement, reset and reused for every row.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private unowned let connection: SQLiteConnection

    init(_ statement: OpaquePointer, connection: SQLiteConnection) {
        self.statement = statement
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(statement)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(statement, index, value)
    }

    func bind(_ index: Int32, _ value: Double) {
        sqlite3_bind_double(statement, index, value)
    }

    func bind(_ index: Int32, _ value: String?) {
        guard let value else {
            sqlite3_bind_null(statement, index)
            return
        }
        sqlite3_bind_text(statement, index, value, -1, Self.transient)
    }

    /// Binds a value in the binary encoding.
    ///
    /// A value nested deeper than every reader accepts (``ValueNesting/stored``) is refused: the
    /// journal never holds what a start could not read back. The manager's own checks keep such
    /// values out; this is the last one, and it fails a write, which loses nothing acknowledged.
    func bind(_ index: Int32, encoded value: Value) throws(JournalError) {
        guard !value.nests(deeperThan: ValueNesting.stored) else {
            throw .writeFailed(connection.path, "a value nests \(value.nesting) levels, deeper than a journal is read (\(ValueNesting.stored))")
        }
        var buffer = ByteBuffer()
        buffer.writeValue(value)
        buffer.withUnsafeReadableBytes { bytes in
            _ = sqlite3_bind_blob(statement, index, bytes.baseAddress, Int32(bytes.count), Self.transient)
        }
    }

    /// Runs to the next row. Returns false when done.
    @discardableResult
    func step() throws(JournalError) -> Bool {
        let status = sqlite3_step(statement)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(status, connection.lastMessage)
        }
    }

    /// Makes the statement ready for its next use.
    func reset() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(statement, column) == SQLITE_NULL
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(statement, column)
    }

    func double(_ column: Int32) -> Double {
        sqlite3_column_double(statement, column)
    }

    func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(statement, column) else { return nil }
        return String(cString: text)
    }

    /// Reads a column written with ``bind(_:encoded:)``.
    func value(_ column: Int32) throws(JournalError) -> Value {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let bytes = sqlite3_column_blob(statement, column) else {
            throw .damaged(connection.path, "an empty value in column \(column)")
        }
        var buffer = ByteBuffer(bytes: UnsafeRawBufferPointer(start: bytes, count: count))
        do {
            return try buffer.readValue(maxDepth: ValueNesting.stored)
        } catch {
            throw .damaged(connection.path, "a stored value cannot be read: \(error)")
        }
    }
}
