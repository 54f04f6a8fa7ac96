public import DurableWire

extension Value {
    /// The value as Python's `repr` shows it: `'text'`, `True`, `None`, `[1, 2]`, `{'a': 1}`.
    public var pythonRepr: String {
        switch self {
        case .null: return "None"
        case .bool(let flag): return flag ? "True" : "False"
        case .int(let number): return String(number)
        case .double(let number):
            if number.isNaN { return "nan" }
            if number.isInfinite { return number < 0 ? "-inf" : "inf" }
            return number == number.rounded() && abs(number) < 1e16 ? String(format: number) : "\(number)"
        case .string(let text):
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "'\(escaped)'"
        case .bytes(let bytes):
            return "b'" + bytes.map { byte in
                (0x20..<0x7f).contains(byte) && byte != 0x27 && byte != 0x5c
                    ? String(UnicodeScalar(byte)) : "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }.joined() + "'"
        case .array(let items): return "[" + items.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .map(let entries): return "{" + entries.map { "\($0.key.pythonRepr): \($0.value.pythonRepr)" }.joined(separator: ", ") + "}"
        case .reference(let reference): return "<\(reference.typeID)Proxy object #\(reference.id)>"
        }
    }
}

extension String {
    /// `1.0` for a whole double, as Python prints it.
    fileprivate init(format number: Double) {
        self = String(Int64(number)) + ".0"
    }

    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
