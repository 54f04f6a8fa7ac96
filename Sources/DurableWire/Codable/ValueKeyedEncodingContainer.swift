/// Writes map entries for ``ValueEncoder``. Entries keep the order they were encoded in.
///
/// A `nil` optional is written as `.null` rather than left out, so every field a type has is
/// in the map, as a Python client reading it with `d["field"]` expects.
struct ValueKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: ValueNodeEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(.double(Double(value)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(try integer(value, key), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(try integer(value, key), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(try integer(value, key), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(try integer(value, key), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(.int(value), key) }
    mutating func encode(_ value: Int128, forKey key: Key) throws { put(try integer(value, key), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(try integer(value, key), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(try integer(value, key), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(try integer(value, key), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(try integer(value, key), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(try integer(value, key), key) }
    mutating func encode(_ value: UInt128, forKey key: Key) throws { put(try integer(value, key), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        encoder.node.set(try encoder.encodeChild(value, at: key), forKey: key.mapKey)
    }

    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { put(value.map(Value.bool) ?? .null, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { put(value.map(Value.string) ?? .null, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { put(value.map(Value.double) ?? .null, key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { put(value.map { .double(Double($0)) } ?? .null, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { put(try optionalInteger(value, key), key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { put(try optionalInteger(value, key), key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { put(try optionalInteger(value, key), key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { put(try optionalInteger(value, key), key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { put(value.map(Value.int) ?? .null, key) }
    mutating func encodeIfPresent(_ value: Int128?, forKey key: Key) throws { put(try optionalInteger(value, key), key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { put(try optionalInteger(value, key), key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { put(try optionalInteger(value, key), key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { put(try optionalInteger(value, key), key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { put(try optionalInteger(value, key), key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { put(try optionalInteger(value, key), key) }
    mutating func encodeIfPresent(_ value: UInt128?, forKey key: Key) throws { put(try optionalInteger(value, key), key) }

    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        guard let value else { return put(.null, key) }
        try encode(value, forKey: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        child(at: key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        child(at: key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        child(at: ValueCodingKey.super)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        child(at: key)
    }

    private func put(_ value: Value, _ key: Key) {
        encoder.node.set(.value(value), forKey: key.mapKey)
    }

    private func integer(_ value: some BinaryInteger, _ key: Key) throws -> Value {
        try ValueNodeEncoder.integer(value, at: codingPath + [key])
    }

    private func optionalInteger(_ value: (some BinaryInteger)?, _ key: Key) throws -> Value {
        guard let value else { return .null }
        return try integer(value, key)
    }

    private func child(at key: any CodingKey) -> ValueNodeEncoder {
        let child = encoder.childEncoder(at: key)
        encoder.node.set(.node(child.node), forKey: key.mapKey)
        return child
    }
}
