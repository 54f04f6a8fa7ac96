import DurableWire

extension Value {
    /// The value as a table cell or a `key: value` line shows it: a string bare, null as `-`,
    /// anything else as JSON.
    var plainText: String {
        switch self {
        case .string(let text): text
        case .null: "-"
        default: jsonText()
        }
    }
}
