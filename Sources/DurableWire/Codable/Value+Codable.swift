import OrderedCollections

/// `Value` in other coders' formats, chiefly JSON for `durablectl`'s output and exports.
///
/// Null, bools, numbers, strings and arrays are themselves. A map whose keys are all strings,
/// none starting with `$`, is an object. Everything JSON has no form for is an object with one
/// `$` key, which no plain map has:
///
/// | value | JSON |
/// | --- | --- |
/// | bytes | `{"$bytes": "00ff"}` (hex) |
/// | any other map | `{"$map": [[key, value], …]}` |
/// | reference | `{"$ref": 42, "type": "dict"}` |
/// | infinity, NaN | `{"$double": "inf"}`, `"-inf"`, `"nan"` |
///
/// JSON does not tell `1.0` from `1`, so a whole double may come back as an int, and a JSON
/// decoder may not keep an object's key order.
///
/// ```swift
/// let json = try JSONEncoder().encode(Value.bytes([0, 255]))   // {"$bytes":"00ff"}
/// let back = try JSONDecoder().decode(Value.self, from: json)  // .bytes([0, 255])
/// ```
extension Value: Codable {
    private static let bytesTag = ValueCodingKey(stringValue: "$bytes")
    private static let mapTag = ValueCodingKey(stringValue: "$map")
    private static let referenceTag = ValueCodingKey(stringValue: "$ref")
    private static let referenceType = ValueCodingKey(stringValue: "type")
    private static let doubleTag = ValueCodingKey(stringValue: "$double")

    /// Writes the value: as itself to ``ValueEncoder``, in the forms above to other encoders.
    ///
    /// ```swift
    /// let json = try JSONEncoder().encode(["a": 1] as Value)   // {"a":1}
    /// ```
    public func encode(to encoder: any Encoder) throws {
        if let encoder = encoder as? ValueNodeEncoder {
            try encoder.encodeHere(self)
            return
        }
        let exact = encoder.userInfo[.exactValues] as? Bool == true
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .int(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .double(let number) where number.isFinite && !(exact && number == number.rounded()):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .double(let number):
            var container = encoder.container(keyedBy: ValueCodingKey.self)
            try container.encode(number.isNaN ? "nan" : number.isInfinite ? (number < 0 ? "-inf" : "inf") : "\(number)", forKey: Self.doubleTag)
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .bytes(let bytes):
            var container = encoder.container(keyedBy: ValueCodingKey.self)
            try container.encode(Self.hex(bytes), forKey: Self.bytesTag)
        case .array(let items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(item) }
        case .map(let entries):
            var container = encoder.container(keyedBy: ValueCodingKey.self)
            if !exact, let fields = Self.plainFields(entries) {
                for (key, item) in fields { try container.encode(item, forKey: ValueCodingKey(stringValue: key)) }
            } else {
                var pairs = container.nestedUnkeyedContainer(forKey: Self.mapTag)
                for (key, item) in entries {
                    var pair = pairs.nestedUnkeyedContainer()
                    try pair.encode(key)
                    try pair.encode(item)
                }
            }
        case .reference(let reference):
            var container = encoder.container(keyedBy: ValueCodingKey.self)
            try container.encode(reference.id, forKey: Self.referenceTag)
            try container.encode(reference.typeID, forKey: Self.referenceType)
        }
    }

    /// Reads a value: as itself from ``ValueDecoder``, from the forms above from other decoders.
    ///
    /// ```swift
    /// let value = try JSONDecoder().decode(Value.self, from: Data(#"{"$ref": 42, "type": "dict"}"#.utf8))
    /// ```
    /// - Throws: `DecodingError` for input that is none of the forms, such as an object with
    ///   an unknown `$` key or bad hex.
    public init(from decoder: any Decoder) throws {
        if let decoder = decoder as? ValueNodeDecoder {
            self = try decoder.decode(Value.self)
            return
        }
        // Other decoders only say what a value is by failing to read it as something else.
        if let single = try? decoder.singleValueContainer() {
            if single.decodeNil() {
                self = .null
                return
            }
            if let flag = try? single.decode(Bool.self) {
                self = .bool(flag)
                return
            }
            if let number = try? single.decode(Int64.self) {
                self = .int(number)
                return
            }
            if let number = try? single.decode(Double.self) {
                self = .double(number)
                return
            }
            if let text = try? single.decode(String.self) {
                self = .string(text)
                return
            }
        }
        if var container = try? decoder.unkeyedContainer() {
            var items: [Value] = []
            while !container.isAtEnd { items.append(try container.decode(Value.self)) }
            self = .array(items)
            return
        }
        self = try Self.decodeObject(try decoder.container(keyedBy: ValueCodingKey.self))
    }

    private static func decodeObject(_ container: KeyedDecodingContainer<ValueCodingKey>) throws -> Value {
        let keys = container.allKeys
        guard keys.contains(where: { $0.stringValue.hasPrefix("$") }) else {
            var entries = OrderedDictionary<Value, Value>(minimumCapacity: keys.count)
            for key in keys { entries[.string(key.stringValue)] = try container.decode(Value.self, forKey: key) }
            return .map(entries)
        }
        if container.contains(bytesTag) {
            let text = try container.decode(String.self, forKey: bytesTag)
            guard let bytes = bytes(hex: text) else {
                throw DecodingError.dataCorruptedError(forKey: bytesTag, in: container, debugDescription: "\"\(text)\" is not an even number of hex digits")
            }
            return .bytes(bytes)
        }
        if container.contains(mapTag) {
            var pairs = try container.nestedUnkeyedContainer(forKey: mapTag)
            var entries = OrderedDictionary<Value, Value>()
            while !pairs.isAtEnd {
                var pair = try pairs.nestedUnkeyedContainer()
                let key = try pair.decode(Value.self)
                entries[key] = try pair.decode(Value.self)
            }
            return .map(entries)
        }
        if container.contains(referenceTag) {
            let id = try container.decode(UInt64.self, forKey: referenceTag)
            return .reference(ObjectReference(id: id, typeID: try container.decode(String.self, forKey: referenceType)))
        }
        if container.contains(doubleTag) {
            switch try container.decode(String.self, forKey: doubleTag) {
            case "inf": return .double(.infinity)
            case "-inf": return .double(-.infinity)
            case "nan": return .double(.nan)
            case let other:
                guard let number = Double(other) else {
                    throw DecodingError.dataCorruptedError(forKey: doubleTag, in: container, debugDescription: "\"\(other)\" is not a number, inf, -inf or nan")
                }
                return .double(number)
            }
        }
        let tags = keys.map(\.stringValue).filter { $0.hasPrefix("$") }
        throw DecodingError.dataCorrupted(
            DecodingError.Context(
                codingPath: container.codingPath,
                debugDescription: "an object with \(tags.joined(separator: ", ")) is not a value; the $ keys are $bytes, $map, $ref and $double"
            )
        )
    }

    /// The entries as string keys, if every key is a string that cannot be taken for a tag.
    static func plainFields(_ entries: OrderedDictionary<Value, Value>) -> [(String, Value)]? {
        var fields: [(String, Value)] = []
        fields.reserveCapacity(entries.count)
        for (key, item) in entries {
            guard case .string(let text) = key, !text.hasPrefix("$") else { return nil }
            fields.append((text, item))
        }
        return fields
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func bytes(hex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension CodingUserInfoKey {
    /// Set to `true` in an encoder's `userInfo` to write values so that they decode back
    /// exactly, as a backup needs: every map as `$map` pairs (a JSON object may lose its key
    /// order), and every whole double as `$double` (JSON would read it back as an int).
    ///
    /// ```swift
    /// let encoder = JSONEncoder()
    /// encoder.userInfo[.exactValues] = true
    /// let json = try encoder.encode(Value.double(2))   // {"$double":"2.0"}
    /// ```
    public static let exactValues = CodingUserInfoKey(rawValue: "DurableWire.exactValues")!
}
