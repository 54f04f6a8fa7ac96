import DurableWire

extension Value {
    /// The value under `key` of a map, as the manager's replies are read; nil when the key is
    /// missing or this is not a map.
    subscript(field key: String) -> Value? {
        guard case .map(let fields) = self else { return nil }
        return fields[.string(key)]
    }

    /// The integer this is, or nil.
    var intValue: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }
}
