/// Reads array items in order for ``ValueDecoder``.
struct ValueUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let items: [Value]
    let decoder: ValueNodeDecoder
    private(set) var currentIndex = 0

    init(items: [Value], decoder: ValueNodeDecoder) {
        self.items = items
        self.decoder = decoder
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    /// Consumes a `.null` item; any other item is left for the next `decode`.
    mutating func decodeNil() throws -> Bool {
        let item = try peek(Any?.self)
        guard case .null = item else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type) { try ValueNodeDecoder.bool($0, at: $1()) } }
    mutating func decode(_ type: String.Type) throws -> String { try next(type) { try ValueNodeDecoder.string($0, at: $1()) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try next(type) { try ValueNodeDecoder.double($0, at: $1()) } }
    mutating func decode(_ type: Float.Type) throws -> Float { try next(type) { try ValueNodeDecoder.float($0, at: $1()) } }
    mutating func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    mutating func decode(_ type: Int128.Type) throws -> Int128 { try integer(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
    mutating func decode(_ type: UInt128.Type) throws -> UInt128 { try integer(type) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let userInfo = decoder.userInfo
        return try next(type) { try Self.item($0, $1(), userInfo).decode(type) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let userInfo = decoder.userInfo
        return try next(KeyedDecodingContainer<NestedKey>.self) { try Self.item($0, $1(), userInfo).container(keyedBy: type) }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let userInfo = decoder.userInfo
        return try next((any UnkeyedDecodingContainer).self) { try Self.item($0, $1(), userInfo).unkeyedContainer() }
    }

    mutating func superDecoder() throws -> any Decoder {
        let userInfo = decoder.userInfo
        return try next((any Decoder).self) { Self.item($0, $1(), userInfo) }
    }

    /// The current item; at the end, the error names the type that was wanted.
    private func peek<T>(_ type: T.Type) throws -> Value {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type,
                DecodingError.Context(
                    codingPath: codingPath + [ValueCodingKey(index: currentIndex)],
                    debugDescription: "the array has no item \(currentIndex); it has \(items.count)"
                )
            )
        }
        return items[currentIndex]
    }

    /// Decodes the current item and moves past it only if that worked, as `UnkeyedDecodingContainer`
    /// requires. The coding path is made only when an error needs it.
    private mutating func next<T>(_ type: T.Type, _ decode: (Value, () -> [any CodingKey]) throws -> T) throws -> T {
        let item = try peek(type)
        let base = codingPath
        let index = currentIndex
        let result = try decode(item) { base + [ValueCodingKey(index: index)] }
        currentIndex += 1
        return result
    }

    private mutating func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        try next(type) { try ValueNodeDecoder.integer(type, $0, at: $1()) }
    }

    /// A decoder for an array item. Static, so that a mutating `next` can call it from its closure.
    private static func item(_ value: Value, _ codingPath: [any CodingKey], _ userInfo: [CodingUserInfoKey: Any]) -> ValueNodeDecoder {
        ValueNodeDecoder(value: value, codingPath: codingPath, userInfo: userInfo)
    }
}
