extension Value {
    /// The number of bytes ``NIOCore/ByteBuffer/writeValue(_:)`` writes for this value,
    /// computed without writing it: what a reply, a record or a checkpoint of it will weigh.
    ///
    /// ```swift
    /// Value.array([1, "ab"]).encodedSize   // 1 + 1 + 2 + 4 = 8
    /// ```
    public var encodedSize: Int {
        switch self {
        case .null, .bool: 1
        case .int(let number): 1 + Self.varintSize(UInt64(bitPattern: (number << 1) ^ (number >> 63)))
        case .double: 9
        case .string(let text): 1 + Self.lengthPrefixedSize(text.utf8.count)
        case .bytes(let bytes): 1 + Self.lengthPrefixedSize(bytes.count)
        case .array(let items): items.reduce(1 + Self.varintSize(UInt64(items.count))) { $0 + $1.encodedSize }
        case .map(let entries): entries.reduce(1 + Self.varintSize(UInt64(entries.count))) { $0 + $1.key.encodedSize + $1.value.encodedSize }
        case .reference(let reference): 1 + Self.varintSize(reference.id) + Self.lengthPrefixedSize(reference.typeID.utf8.count)
        }
    }

    /// The bytes of a varint count followed by `count` bytes.
    static func lengthPrefixedSize(_ count: Int) -> Int {
        varintSize(UInt64(count)) + count
    }

    /// The bytes of `value` as an unsigned LEB128 varint.
    package static func varintSize(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }
}
