extension ValueNodeEncoder: SingleValueEncodingContainer {
    func encodeNil() throws { node.setSingle(.null, at: codingPath) }
    func encode(_ value: Bool) throws { node.setSingle(.bool(value), at: codingPath) }
    func encode(_ value: String) throws { node.setSingle(.string(value), at: codingPath) }
    func encode(_ value: Double) throws { node.setSingle(.double(value), at: codingPath) }
    func encode(_ value: Float) throws { node.setSingle(.double(Double(value)), at: codingPath) }
    func encode(_ value: Int) throws { try encodeInteger(value) }
    func encode(_ value: Int8) throws { try encodeInteger(value) }
    func encode(_ value: Int16) throws { try encodeInteger(value) }
    func encode(_ value: Int32) throws { try encodeInteger(value) }
    func encode(_ value: Int64) throws { node.setSingle(.int(value), at: codingPath) }
    func encode(_ value: Int128) throws { try encodeInteger(value) }
    func encode(_ value: UInt) throws { try encodeInteger(value) }
    func encode(_ value: UInt8) throws { try encodeInteger(value) }
    func encode(_ value: UInt16) throws { try encodeInteger(value) }
    func encode(_ value: UInt32) throws { try encodeInteger(value) }
    func encode(_ value: UInt64) throws { try encodeInteger(value) }
    func encode(_ value: UInt128) throws { try encodeInteger(value) }
    func encode<T: Encodable>(_ value: T) throws { try encodeHere(value) }

    private func encodeInteger(_ value: some BinaryInteger) throws {
        node.setSingle(try Self.integer(value, at: codingPath), at: codingPath)
    }
}
