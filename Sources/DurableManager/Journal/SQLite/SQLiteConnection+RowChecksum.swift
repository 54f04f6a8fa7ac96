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
    func withBytes(_ integer: UInt64, tag: UInt8) -> UInt32 {
        var bytes = [tag]
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: integer >> UInt64(shift))) }
        return CRC32C.update(crc, bytes)
    }
    switch sqlite3_value_type(value) {
    case SQLITE_INTEGER:
        return withBytes(UInt64(bitPattern: sqlite3_value_int64(value)), tag: 1)
    case SQLITE_FLOAT:
        return withBytes(sqlite3_value_double(value).bitPattern, tag: 2)
    case SQLITE_TEXT, SQLITE_BLOB:
        let isText = sqlite3_value_type(value) == SQLITE_TEXT
        let pointer = isText ? UnsafeRawPointer(sqlite3_value_text(value)) : sqlite3_value_blob(value)
        let count = Int(sqlite3_value_bytes(value))
        let header = withBytes(UInt64(count), tag: isText ? 3 : 4)
        return CRC32C.update(header, UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    default:
        return CRC32C.update(crc, [0])
    }
}
