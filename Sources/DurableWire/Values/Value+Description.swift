extension Value: CustomStringConvertible {
    /// A JSON-like rendering for people: logs, error messages and `durablectl` output.
    ///
    /// Strings are quoted and escaped as JSON strings; bytes show as `b"…"` in hex; a reference
    /// shows as `<dict #42>`. Map keys that are not strings are rendered as values.
    public var description: String {
        var out = ""
        render(into: &out)
        return out
    }

    private func render(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .int(let number): out += String(number)
        case .double(let number): out += number.isFinite ? "\(number)" : "\"\(number)\""
        case .string(let text): Self.renderString(text, into: &out)
        case .bytes(let bytes):
            out += "b\""
            for byte in bytes {
                let hex = String(byte, radix: 16)
                out += byte < 16 ? "0" + hex : hex
            }
            out += "\""
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += ", " }
                item.render(into: &out)
            }
            out += "]"
        case .map(let entries):
            out += "{"
            for (index, (key, value)) in entries.enumerated() {
                if index > 0 { out += ", " }
                key.render(into: &out)
                out += ": "
                value.render(into: &out)
            }
            out += "}"
        case .reference(let reference):
            out += reference.description
        }
    }

    /// A string quoted and escaped as JSON, which is also how a description shows it.
    static func renderString(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
