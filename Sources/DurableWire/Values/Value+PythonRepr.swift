extension Value {
    /// The value as Python's `repr` shows it: `'text'`, `True`, `None`, `[1, 2]`, `{'a': 1}`.
    public var pythonRepr: String {
        pythonRepr { "<\($0.typeID)Proxy object #\($0.id)>" }
    }

    /// The value as Python's `repr` shows it, with each proxy shown as `reference` says (the
    /// manager shows CPython's clients theirs as CPython's own manager would).
    public func pythonRepr(reference: (ObjectReference) -> String) -> String {
        switch self {
        case .null: return "None"
        case .bool(let flag): return flag ? "True" : "False"
        case .int(let number): return String(number)
        case .double(let number):
            if number.isNaN { return "nan" }
            if number.isInfinite { return number < 0 ? "-inf" : "inf" }
            // Python writes a whole double with ".0": 1.0, not 1.
            return number == number.rounded() && abs(number) < 1e16 ? String(Int64(number)) + ".0" : "\(number)"
        case .string(let text):
            var escaped = ""
            for character in text.unicodeScalars {
                switch character {
                case "\\": escaped += "\\\\"
                case "'": escaped += "\\'"
                case "\n": escaped += "\\n"
                case "\r": escaped += "\\r"
                case "\t": escaped += "\\t"
                default: escaped.unicodeScalars.append(character)
                }
            }
            return "'\(escaped)'"
        case .bytes(let bytes):
            return "b'" + bytes.map { byte in
                (0x20..<0x7f).contains(byte) && byte != 0x27 && byte != 0x5c
                    ? String(UnicodeScalar(byte)) : "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }.joined() + "'"
        case .array(let items): return "[" + items.map { $0.pythonRepr(reference: reference) }.joined(separator: ", ") + "]"
        case .map(let entries):
            return "{" + entries.map { "\($0.key.pythonRepr(reference: reference)): \($0.value.pythonRepr(reference: reference))" }.joined(separator: ", ") + "}"
        case .reference(let proxy): return reference(proxy)
        }
    }
}
