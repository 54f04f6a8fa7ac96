extension Value {
    /// The value as one line of JSON text, in the forms of ``Value``'s `Codable` conformance,
    /// with a map's keys in their order (a `JSONEncoder` does not keep it) and a whole double
    /// written as `2.0`, as Python's `json` does; ``init(json:)`` reads it back as the same value.
    ///
    /// ```swift
    /// let status: Value = ["job-7": "running", "job-3": 2.0]
    /// print(status.jsonText())   // {"job-7":"running","job-3":2.0}
    /// ```
    public func jsonText() -> String {
        var text = ""
        write(to: &text)
        return text
    }

    private func write(to text: inout String) {
        switch self {
        case .null: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .int(let number): text += String(number)
        case .double(let number) where number.isFinite:
            text += "\(number)"
        case .double(let number):
            text += #"{"$double":"\#(number.isNaN ? "nan" : number.isInfinite ? (number < 0 ? "-inf" : "inf") : "\(number)")"}"#
        case .string(let string): Self.renderString(string, into: &text)
        case .bytes(let bytes): text += #"{"$bytes":"\#(Self.hex(bytes))"}"#
        case .array(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                item.write(to: &text)
            }
            text += "]"
        case .map(let entries):
            if let fields = Self.plainFields(entries) {
                text += "{"
                for (index, (key, item)) in fields.enumerated() {
                    if index > 0 { text += "," }
                    Self.renderString(key, into: &text)
                    text += ":"
                    item.write(to: &text)
                }
                text += "}"
            } else {
                text += #"{"$map":["#
                for (index, (key, item)) in entries.enumerated() {
                    text += index > 0 ? ",[" : "["
                    key.write(to: &text)
                    text += ","
                    item.write(to: &text)
                    text += "]"
                }
                text += "]}"
            }
        case .reference(let reference):
            text += #"{"$ref":\#(reference.id),"type":"#
            Self.renderString(reference.typeID, into: &text)
            text += "}"
        }
    }
}
