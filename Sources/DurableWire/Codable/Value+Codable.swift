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
        case .double(let number) where number.isFinite:
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .double(let number):
            var container = encoder.container(keyedBy: ValueCodingKey.self)
            try container.encode(number.isNaN ? "nan" : number < 0 ? "-inf" : "inf", forKey: Self.doubleTag)
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
            if let fields = Self.plainFields(entries) {
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
        var fields: [(String, Value)] = []
        for key in container.allKeys {
            fields.append((key.stringValue, try container.decode(Value.self, forKey: key)))
        }
        do throws(JSONFormError) {
            return try fromJSONObject(fields)
        } catch {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: container.codingPath, debugDescription: error.message))
        }
    }

    /// A JSON object as a value: a plain map, or one of the `$` forms. Shared by every way JSON
    /// is read, so the forms mean the same everywhere.
    static func fromJSONObject(_ fields: [(String, Value)]) throws(JSONFormError) -> Value {
        guard fields.contains(where: { $0.0.hasPrefix("$") }) else {
            var entries = OrderedDictionary<Value, Value>(minimumCapacity: fields.count)
            for (key, item) in fields { entries[.string(key)] = item }
            return .map(entries)
        }
        let tagged = Dictionary(fields, uniquingKeysWith: { $1 })
        if let form = tagged["$bytes"] {
            guard case .string(let text) = form, let bytes = bytes(hex: text) else {
                throw JSONFormError("$bytes takes an even number of hex digits, not \(form)")
            }
            return .bytes(bytes)
        }
        if let form = tagged["$map"] {
            guard case .array(let pairs) = form else { throw JSONFormError("$map takes a list of [key, value] pairs, not \(form)") }
            var entries = OrderedDictionary<Value, Value>(minimumCapacity: pairs.count)
            for pair in pairs {
                guard case .array(let items) = pair, items.count == 2 else { throw JSONFormError("a $map pair is [key, value], not \(pair)") }
                entries[items[0]] = items[1]
            }
            return .map(entries)
        }
        if let form = tagged["$ref"] {
            guard case .int(let id) = form, id >= 0, case .string(let typeID)? = tagged["type"] else {
                throw JSONFormError("$ref takes an object id and a \"type\" string")
            }
            return .reference(ObjectReference(id: UInt64(id), typeID: typeID))
        }
        if let form = tagged["$double"] {
            switch form {
            case .string("inf"): return .double(.infinity)
            case .string("-inf"): return .double(-.infinity)
            case .string("nan"): return .double(.nan)
            case .string(let text):
                guard let number = Double(text) else { throw JSONFormError("$double takes a number, inf, -inf or nan, not \"\(text)\"") }
                return .double(number)
            default: throw JSONFormError("$double takes a string, not \(form)")
            }
        }
        let tags = fields.map(\.0).filter { $0.hasPrefix("$") }
        throw JSONFormError("an object with \(tags.joined(separator: ", ")) is not a value; the $ keys are $bytes, $map, $ref and $double")
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

