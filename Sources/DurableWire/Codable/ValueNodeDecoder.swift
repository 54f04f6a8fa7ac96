/// The `Decoder` that ``ValueDecoder`` hands to `init(from:)`: it reads one value. It is also
/// its own single value container.
struct ValueNodeDecoder: Decoder {
    let value: Value
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any]

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .map(let entries) = value else {
            throw DecodingError.wrongKind([String: Any].self, expected: "map", found: value, at: codingPath)
        }
        return KeyedDecodingContainer(ValueKeyedDecodingContainer<Key>(entries: entries, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else {
            throw DecodingError.wrongKind([Any].self, expected: "array", found: value, at: codingPath)
        }
        return ValueUnkeyedDecodingContainer(items: items, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        self
    }

    /// A decoder for `value`, found one level down under `key`.
    func child(_ value: Value, at key: any CodingKey) -> ValueNodeDecoder {
        ValueNodeDecoder(value: value, codingPath: codingPath + [key], userInfo: userInfo)
    }

    /// Decodes this decoder's value as `T`.
    ///
    /// Every level (top, map entry, array item, single value) comes through here, so a
    /// ``Value`` field receives the value as it is and an ``ObjectReference`` field takes a
    /// `.reference`.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == Value.self { return value as! T }
        // The commonest reply: a string, read without the single value container's detour.
        if T.self == String.self, case .string(let text) = value { return text as! T }
        if T.self == ObjectReference.self {
            guard case .reference(let reference) = value else {
                throw DecodingError.wrongKind(type, expected: "reference", found: value, at: codingPath)
            }
            return reference as! T
        }
        return try T(from: self)
    }

    static func bool(_ value: Value, at codingPath: @autoclosure () -> [any CodingKey]) throws -> Bool {
        guard case .bool(let flag) = value else {
            throw DecodingError.wrongKind(Bool.self, expected: "bool", found: value, at: codingPath())
        }
        return flag
    }

    static func string(_ value: Value, at codingPath: @autoclosure () -> [any CodingKey]) throws -> String {
        guard case .string(let text) = value else {
            throw DecodingError.wrongKind(String.self, expected: "string", found: value, at: codingPath())
        }
        return text
    }

    /// A double; an int is taken too, as Python takes `1` where a float is wanted.
    static func double(_ value: Value, at codingPath: @autoclosure () -> [any CodingKey]) throws -> Double {
        switch value {
        case .double(let number): return number
        case .int(let number): return Double(number)
        default: throw DecodingError.wrongKind(Double.self, expected: "double", found: value, at: codingPath())
        }
    }

    static func float(_ value: Value, at codingPath: @autoclosure () -> [any CodingKey]) throws -> Float {
        let number = try double(value, at: codingPath())
        let narrowed = Float(number)
        guard narrowed.isFinite || !number.isFinite else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: codingPath(), debugDescription: "double \(number) is out of range for Float")
            )
        }
        return narrowed
    }

    static func integer<I: FixedWidthInteger>(_ type: I.Type, _ value: Value, at codingPath: @autoclosure () -> [any CodingKey]) throws -> I {
        guard case .int(let number) = value else {
            throw DecodingError.wrongKind(type, expected: "int", found: value, at: codingPath())
        }
        guard let exact = I(exactly: number) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: codingPath(), debugDescription: "int \(number) is out of range for \(I.self) (\(I.min)...\(I.max))")
            )
        }
        return exact
    }
}
