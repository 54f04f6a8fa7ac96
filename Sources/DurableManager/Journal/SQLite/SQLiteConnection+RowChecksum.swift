import CSQLite

extension SQLiteConnection {
    /// The SQL function `dm_row_crc(column, ...)`: the CRC-32C of a row's columns, each as its
    /// type and its bytes. The journal's statements store it in every row's `crc` and compare it
    /// on every read, and the schema's migration computes it for rows written before checksums;
    /// one implementation for all three.
    static let rowChecksumFunction = "dm_row_crc"

    /// Makes `dm_row_crc` available on this connection.
    func registerRowChecksum() throws(JournalError) {
        let status = sqlite3_create_function_v2(
            handle, Self.rowChecksumFunction, -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nil,
            { context, count, arguments in
                var crc: UInt32 = 0
                for index in 0..<Int(count) {
                    crc = rowChecksum(continuing: crc, arguments![index])
                }
                sqlite3_result_int64(context, Int64(crc))
            },
            nil, nil, nil
        )
        guard status == SQLITE_OK else { throw error(status, lastMessage) }
    }
}

/// One column's part of a row checksum: a type tag, then the value's bytes (integers and reals
/// as 8 bytes, text and blobs with their length), so that `1`, `1.0` and `'1'` differ.
private func rowChecksum(continuing crc: UInt32, _ value: OpaquePointer?) -> UInt32 {
    switch sqlite3_value_type(value) {
    case SQLITE_INTEGER:
        return rowChecksum(continuing: crc, tag: 1, UInt64(bitPattern: sqlite3_value_int64(value)))
    case SQLITE_FLOAT:
        return rowChecksum(continuing: crc, tag: 2, sqlite3_value_double(value).bitPattern)
    case SQLITE_TEXT, SQLITE_BLOB:
        let isText = sqlite3_value_type(value) == SQLITE_TEXT
        let pointer = isText ? UnsafeRawPointer(sqlite3_value_text(value)) : sqlite3_value_blob(value)
        let count = Int(sqlite3_value_bytes(value))
        let header = rowChecksum(continuing: crc, tag: isText ? 3 : 4, UInt64(count))
        return CRC32C.update(header, UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    default:
        return CRC32C.update(crc, byte: 0)
    }
}

/// A tag and 8 big-endian bytes, from the stack: this runs for every column of every row read.
private func rowChecksum(continuing crc: UInt32, tag: UInt8, _ integer: UInt64) -> UInt32 {
    var bytes: (UInt8, UInt64) = (tag, integer.bigEndian)
    return withUnsafeBytes(of: &bytes) { raw in
        // The tuple's layout pads the tag to 8 bytes: its byte and the integer's 8 are what count.
        CRC32C.update(CRC32C.update(crc, byte: raw[0]), UnsafeRawBufferPointer(rebasing: raw[8..<16]))
    }
}
