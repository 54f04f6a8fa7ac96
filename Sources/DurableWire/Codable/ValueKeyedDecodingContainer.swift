import OrderedCollections

/// Reads map entries for ``ValueDecoder``.
struct ValueKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let entries: OrderedDictionary<Value, Value>
    let decoder: ValueNodeDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }

    /// The keys that `Key` can name, in map order. Keys of other kinds (a bool, a tuple as an
    /// array) have no coding key and are left out.
    var allKeys: [Key] {
        entries.keys.compactMap { key in
            switch key {
            case .string(let text): Key(stringValue: text)
            case .int(let number): Int(exactly: number).flatMap { Key(intValue: $0) } ?? Key(stringValue: String(number))
            default: nil
            }
        }
    }

    func contains(_ key: Key) -> Bool {
        entry(for: key) != nil
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try require(key) { return true }
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try ValueNodeDecoder.bool(require(key), at: path(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try ValueNodeDecoder.string(require(key), at: path(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try ValueNodeDecoder.double(require(key), at: path(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try ValueNodeDecoder.float(require(key), at: path(key)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(type, key) }
    func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 { try integer(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(type, key) }
    func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 { try integer(type, key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.child(require(key), at: key).decode(type)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.child(require(key), at: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.child(require(key), at: key).unkeyedContainer()
    }

    /// A superclass decoder; a missing `super` entry reads as `.null`, as Foundation's does.
    func superDecoder() throws -> any Decoder {
        decoder.child(entry(for: ValueCodingKey.super) ?? .null, at: ValueCodingKey.super)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.child(entry(for: key) ?? .null, at: key)
    }

    private func entry(for key: some CodingKey) -> Value? {
        let mapKey = key.mapKey
        if let found = entries[mapKey] { return found }
        // Maps not written by ValueEncoder (Python's, or JSON's) may spell an integer key as a string.
        if case .int = mapKey { return entries[.string(key.stringValue)] }
        return nil
    }

    private func require(_ key: Key) throws -> Value {
        guard let found = entry(for: key) else {
            throw DecodingError.keyNotFound(
                key,
                DecodingError.Context(codingPath: codingPath, debugDescription: "the map has no key \(key.mapKey)")
            )
        }
        return found
    }

    private func path(_ key: Key) -> [any CodingKey] {
        codingPath + [key]
    }

    private func integer<I: FixedWidthInteger>(_ type: I.Type, _ key: Key) throws -> I {
        try ValueNodeDecoder.integer(type, require(key), at: path(key))
    }
}
