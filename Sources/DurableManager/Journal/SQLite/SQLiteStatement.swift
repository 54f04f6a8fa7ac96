import CSQLite
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import DurableWire

/// A prepared statement, reset and reused for every row.
///
/// Reading and writing millions of rows (a replay, a checkpoint) costs what each row costs, so a
/// statement keeps one buffer for the values it encodes and decodes, and the few strings it
/// meets again and again (operations, sessions), rather than allocating them per row.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private unowned let connection: SQLiteConnection
    /// Holds the bytes of one value while it is bound or decoded; its storage is reused.
    private var scratch = ByteBuffer()
    /// Strings read lately, by column, so that a text column that repeats (an op, a session) is
    /// compared with the last few, not made into a new String for every row.
    private var recentStrings: [Int32: [String]] = [:]

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
        scratch.clear()
        scratch.writeValue(value)
        // SQLITE_TRANSIENT: SQLite copies the bytes now, so the buffer is free for the next bind.
        scratch.withUnsafeReadableBytes { bytes in
            _ = sqlite3_bind_blob(statement, index, bytes.baseAddress, Int32(bytes.count), Self.transient)
        }
    }

    /// Binds bytes already in the binary value encoding (checked when they were made).
    func bind(_ index: Int32, encodedBytes bytes: ByteBuffer) {
        bytes.withUnsafeReadableBytes { bytes in
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

    /// ``string(_:)`` for a column whose few values repeat from row to row: one of the last
    /// eight strings this column gave when the bytes are the same, so no String is made.
    func recurringString(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(statement, column) else { return nil }
        let bytes = UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column)))
        var recent = recentStrings[column] ?? []
        for candidate in recent {
            var candidate = candidate
            let same = candidate.withUTF8 { $0.count == bytes.count && ($0.isEmpty || memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0) }
            if same { return candidate }
        }
        let string = String(decoding: bytes, as: UTF8.self)
        if recent.count == 8 { recent.removeFirst() }
        recent.append(string)
        recentStrings[column] = recent
        return string
    }

    /// Reads a column written with ``bind(_:encoded:)``.
    func value(_ column: Int32) throws(JournalError) -> Value {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let bytes = sqlite3_column_blob(statement, column) else {
            throw .damaged(connection.path, "an empty value in column \(column)")
        }
        scratch.clear()
        scratch.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
        do {
            return try scratch.readValue(maxDepth: ValueNesting.stored)
        } catch {
            throw .damaged(connection.path, "a stored value cannot be read: \(error)")
        }
    }
}
