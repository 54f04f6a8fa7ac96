/// Appends array items for ``ValueEncoder``.
struct ValueUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let encoder: ValueNodeEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { encoder.node.count }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(.double(value)) }
    mutating func encode(_ value: Float) throws { append(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { append(try integer(value)) }
    mutating func encode(_ value: Int8) throws { append(try integer(value)) }
    mutating func encode(_ value: Int16) throws { append(try integer(value)) }
    mutating func encode(_ value: Int32) throws { append(try integer(value)) }
    mutating func encode(_ value: Int64) throws { append(.int(value)) }
    mutating func encode(_ value: Int128) throws { append(try integer(value)) }
    mutating func encode(_ value: UInt) throws { append(try integer(value)) }
    mutating func encode(_ value: UInt8) throws { append(try integer(value)) }
    mutating func encode(_ value: UInt16) throws { append(try integer(value)) }
    mutating func encode(_ value: UInt32) throws { append(try integer(value)) }
    mutating func encode(_ value: UInt64) throws { append(try integer(value)) }
    mutating func encode(_ value: UInt128) throws { append(try integer(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        encoder.node.append(try encoder.encodeChild(value, at: nextKey))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        appendChild().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        appendChild().unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        appendChild()
    }

    private var nextKey: ValueCodingKey { ValueCodingKey(index: count) }

    private func append(_ value: Value) {
        encoder.node.append(.value(value))
    }

    private func integer(_ value: some BinaryInteger) throws -> Value {
        try ValueNodeEncoder.integer(value, at: codingPath + [nextKey])
    }

    private func appendChild() -> ValueNodeEncoder {
        let child = encoder.childEncoder(at: nextKey)
        encoder.node.append(.node(child.node))
        return child
    }
}
