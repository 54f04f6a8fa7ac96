/// The `Encoder` that ``ValueEncoder`` hands to `encode(to:)`: it writes into one node of the
/// value being built. It is also its own single value container.
struct ValueNodeEncoder: Encoder {
    let node: ValueEncodingNode
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any]

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeMap(at: codingPath)
        return KeyedEncodingContainer(ValueKeyedEncodingContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.becomeArray(at: codingPath)
        return ValueUnkeyedEncodingContainer(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        self
    }

    /// Encodes `value` into this encoder's node.
    ///
    /// Every level (top, map entry, array item, single value) comes through here, so a
    /// ``Value`` inside a user's type is stored as it is and an ``ObjectReference`` becomes a
    /// `.reference`, not a map of its fields.
    func encodeHere<T: Encodable>(_ value: T) throws {
        if let value = value as? Value {
            node.setSingle(value, at: codingPath)
        } else if let reference = value as? ObjectReference {
            node.setSingle(.reference(reference), at: codingPath)
        } else if let dictionary = value as? any StringKeyedDictionary {
            try dictionary.encodeWithStringKeys(to: self)
        } else {
            try value.encode(to: self)
        }
    }

    /// An encoder for a new node one level down, under `key`.
    func childEncoder(at key: any CodingKey) -> ValueNodeEncoder {
        ValueNodeEncoder(node: ValueEncodingNode(), codingPath: codingPath + [key], userInfo: userInfo)
    }

    /// Encodes `value` as a new node one level down, under `key`.
    func encodeChild<T: Encodable>(_ value: T, at key: any CodingKey) throws -> ValueEncodingNode.Child {
        let child = childEncoder(at: key)
        try child.encodeHere(value)
        return .node(child.node)
    }

    /// An integer as an `.int`, which holds 64 signed bits.
    static func integer<I: BinaryInteger>(_ value: I, at codingPath: @autoclosure () -> [any CodingKey]) throws -> Value {
        guard let exact = Int64(exactly: value) else {
            throw EncodingError.invalidValue(
                value,
                EncodingError.Context(
                    codingPath: codingPath(),
                    debugDescription: "\(I.self) \(value) does not fit in an int, which holds 64 signed bits; encode it as a string"
                )
            )
        }
        return .int(exact)
    }
}
