import DurableWire

extension Value {
    /// The value under `key` of a map, as a command reads a manager's reply; nil when the key is
    /// missing or this is not a map.
    subscript(field key: String) -> Value? {
        guard case .map(let fields) = self else { return nil }
        return fields[.string(key)]
    }
}
