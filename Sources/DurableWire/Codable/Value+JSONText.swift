extension Value {
    /// The value as one line of JSON text, in the forms of ``Value``'s `Codable` conformance,
    /// with a map's keys in their order (a `JSONEncoder` does not keep it) and a whole double
    /// written as `2.0`, as Python's `json` does.
    ///
    /// With `exact`, the text decodes back to the same value: every map as `$map` pairs and
    /// every whole double as `$double`.
    ///
    /// ```swift
    /// let status: Value = ["job-7": "running", "job-3": 2.0]
    /// print(status.jsonText())   // {"job-7":"running","job-3":2.0}
    /// ```
    public func jsonText(exact: Bool = false) -> String {
        var text = ""
        write(to: &text, exact: exact)
        return text
    }

    private func write(to text: inout String, exact: Bool) {
        switch self {
        case .null: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .int(let number): text += String(number)
        case .double(let number) where number.isFinite && !(exact && number == number.rounded()):
            text += "\(number)"
        case .double(let number):
            text += #"{"$double":"\#(number.isNaN ? "nan" : number.isInfinite ? (number < 0 ? "-inf" : "inf") : "\(number)")"}"#
        case .string(let string): Self.writeString(string, to: &text)
        case .bytes(let bytes): text += #"{"$bytes":"\#(Self.hex(bytes))"}"#
        case .array(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                item.write(to: &text, exact: exact)
            }
            text += "]"
        case .map(let entries):
            if !exact, let fields = Self.plainFields(entries) {
                text += "{"
                for (index, (key, item)) in fields.enumerated() {
                    if index > 0 { text += "," }
                    Self.writeString(key, to: &text)
                    text += ":"
                    item.write(to: &text, exact: exact)
                }
                text += "}"
            } else {
                text += #"{"$map":["#
                for (index, (key, item)) in entries.enumerated() {
                    text += index > 0 ? ",[" : "["
                    key.write(to: &text, exact: exact)
                    text += ","
                    item.write(to: &text, exact: exact)
                    text += "]"
                }
                text += "]}"
            }
        case .reference(let reference):
            text += #"{"$ref":\#(reference.id),"type":"#
            Self.writeString(reference.typeID, to: &text)
            text += "}"
        }
    }

    private static func writeString(_ string: String, to text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
