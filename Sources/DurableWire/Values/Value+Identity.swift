extension Value {
    /// Whether two values are the same value, bit for bit: the same kind (`1`, `1.0` and `true`
    /// differ), doubles with the same bits (a NaN equals itself, `0.0` and `-0.0` differ),
    /// strings with the same Unicode scalars, maps with the same entries in the same order.
    ///
    /// This is what a round trip through the wire or the journal must preserve. Swift's own
    /// `String ==` treats canonically equivalent strings as equal (`"\u{e9}" == "e\u{301}"`); a
    /// data store must not, or one key would silently overwrite another. For Python's `==`, use
    /// ``pythonEquals(_:)``.
    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a.bitPattern == b.bitPattern
        case (.string(let a), .string(let b)): a.hasSameScalars(as: b)
        case (.bytes(let a), .bytes(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.map(let a), .map(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.reference(let a), .reference(let b)): a.id == b.id && a.typeID.hasSameScalars(as: b.typeID)
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0 as UInt8)
        case .bool(let flag): hasher.combine(flag ? 2 as UInt8 : 1)
        case .int(let number):
            hasher.combine(3 as UInt8)
            hasher.combine(number)
        case .double(let number):
            hasher.combine(4 as UInt8)
            hasher.combine(number.bitPattern)
        case .string(let text):
            hasher.combine(5 as UInt8)
            Self.combineScalars(of: text, into: &hasher)
        case .bytes(let bytes):
            hasher.combine(6 as UInt8)
            hasher.combine(bytes.count)
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        case .array(let items):
            hasher.combine(7 as UInt8)
            hasher.combine(items.count)
            for item in items { item.hash(into: &hasher) }
        case .map(let entries):
            hasher.combine(8 as UInt8)
            hasher.combine(entries.count)
            for (key, value) in entries {
                key.hash(into: &hasher)
                value.hash(into: &hasher)
            }
        case .reference(let reference):
            hasher.combine(9 as UInt8)
            hasher.combine(reference.id)
        }
    }

    /// Hashes a string's UTF-8 bytes, which are its scalars: canonically equivalent strings
    /// hash apart, as they compare apart.
    static func combineScalars(of text: String, into hasher: inout Hasher) {
        hasher.combine(text.utf8.count)
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
