extension Value {
    /// Reads JSON text as a value, in the forms ``jsonText()`` writes: an object keeps its
    /// keys in their order, a number with a fraction or an exponent (`2.0`) is a double and one
    /// without is an int, and the `$` forms are bytes, maps, references and doubles.
    ///
    /// Foundation's `JSONDecoder` can do neither of the first two, which a dict's order and a
    /// float argument need; hence this small reader.
    ///
    /// ```swift
    /// let value = try Value(json: #"{"b": 1, "a": 2.0}"#)   // ["b": 1, "a": 2.0], in that order
    /// ```
    /// - Throws: ``JSONFormError`` naming the byte offset of text that is not JSON, or the
    ///   form that is wrong.
    public init(json text: String) throws(JSONFormError) {
        var reader = JSONReader(Array(text.utf8))
        self = try reader.document()
    }
}

/// Reads one JSON document from UTF-8 bytes.
private struct JSONReader {
    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    /// Deeper input is refused rather than read by recursion without end.
    private static let maxDepth = 512

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func document() throws(JSONFormError) -> Value {
        let value = try self.value()
        skipSpace()
        guard index == bytes.count else { throw failure("unexpected text after the value") }
        return value
    }

    private mutating func value() throws(JSONFormError) -> Value {
        skipSpace()
        guard let byte = peek() else { throw failure("the text ends where a value should be") }
        switch byte {
        case UInt8(ascii: "{"): return try nested { (reader: inout JSONReader) throws(JSONFormError) in try reader.object() }
        case UInt8(ascii: "["): return try nested { (reader: inout JSONReader) throws(JSONFormError) in try reader.array() }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw failure("'\(Character(Unicode.Scalar(byte)))' cannot start a value")
        }
    }

    private mutating func nested(_ body: (inout JSONReader) throws(JSONFormError) -> Value) throws(JSONFormError) -> Value {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw failure("values are nested deeper than \(Self.maxDepth)") }
        return try body(&self)
    }

    private mutating func object() throws(JSONFormError) -> Value {
        index += 1
        var fields: [(String, Value)] = []
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return try Value.fromJSONObject(fields)
        }
        while true {
            skipSpace()
            guard peek() == UInt8(ascii: "\"") else { throw failure("an object's key must be a string") }
            let key = try string()
            skipSpace()
            guard peek() == UInt8(ascii: ":") else { throw failure("expected ':' after an object's key") }
            index += 1
            fields.append((key, try value()))
            skipSpace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                do {
                    return try Value.fromJSONObject(fields)
                } catch {
                    throw failure(error.message)
                }
            default: throw failure("expected ',' or '}' in an object")
            }
        }
    }

    private mutating func array() throws(JSONFormError) -> Value {
        index += 1
        var items: [Value] = []
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            items.append(try value())
            skipSpace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(items)
            default: throw failure("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func number() throws(JSONFormError) -> Value {
        let start = index
        var isDouble = false
        if peek() == UInt8(ascii: "-") { index += 1 }
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"): index += 1
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                isDouble = true
                index += 1
            default:
                return try numberValue(String(decoding: bytes[start..<index], as: UTF8.self), isDouble: isDouble, at: start)
            }
        }
        return try numberValue(String(decoding: bytes[start..<index], as: UTF8.self), isDouble: isDouble, at: start)
    }

    private func numberValue(_ text: String, isDouble: Bool, at start: Int) throws(JSONFormError) -> Value {
        if !isDouble, let number = Int64(text) { return .int(number) }
        // An integer too large for 64 bits is still a number, as in Python's json.
        guard let number = Double(text), number.isFinite else {
            throw JSONFormError("at byte \(start): \(text) is not a number")
        }
        return .double(number)
    }

    private mutating func string() throws(JSONFormError) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var run = index
        while true {
            guard let byte = peek() else { throw failure("a string is not closed") }
            switch byte {
            case UInt8(ascii: "\""):
                scalars.append(contentsOf: String(decoding: bytes[run..<index], as: UTF8.self).unicodeScalars)
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                scalars.append(contentsOf: String(decoding: bytes[run..<index], as: UTF8.self).unicodeScalars)
                index += 1
                scalars.append(try escape())
                run = index
            case 0..<0x20:
                throw failure("a control character inside a string must be escaped")
            default:
                index += 1
            }
        }
    }

    private mutating func escape() throws(JSONFormError) -> Unicode.Scalar {
        guard let byte = peek() else { throw failure("a string ends inside an escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{8}"
        case UInt8(ascii: "f"): return "\u{C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hexUnit()
            if (0xD800..<0xDC00).contains(unit), peek() == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") {
                index += 2
                let low = try hexUnit()
                guard (0xDC00..<0xE000).contains(low) else { throw failure("a surrogate pair is broken") }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
            }
            guard let scalar = Unicode.Scalar(unit) else { throw failure("\\u\(String(unit, radix: 16)) is half of a surrogate pair") }
            return scalar
        default:
            throw failure("\\\(Character(Unicode.Scalar(byte))) is not an escape")
        }
    }

    private mutating func hexUnit() throws(JSONFormError) -> UInt32 {
        guard index + 4 <= bytes.count, let unit = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
            throw failure("\\u takes four hex digits")
        }
        index += 4
        return unit
    }

    private mutating func literal(_ word: String, _ value: Value) throws(JSONFormError) -> Value {
        let expected = Array(word.utf8)
        guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected else {
            throw failure("expected \(word)")
        }
        index += expected.count
        return value
    }

    private mutating func skipSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private func failure(_ message: String) -> JSONFormError {
        JSONFormError(message.hasPrefix("at byte") ? message : "at byte \(index): \(message)")
    }
}
