package import DurableWire

extension Arguments {
    /// The argument at `index` iterated as Python iterates it: a list gives its items, a string
    /// its characters (code points), bytes their values as ints, a map its keys.
    /// - Parameter limit: The most items the caller will keep; a longer iterable is refused
    ///   before anything is built from it.
    /// - Throws: `TypeError` for a value Python cannot iterate, `ValueError` past `limit`.
    package func iterable(_ index: Int, limit: Int) throws(ManagerError) -> [Value] {
        let value = try self.value(index)
        let count: Int
        switch value {
        case .array(let items): count = items.count
        case .string(let text): count = text.unicodeScalars.count
        case .bytes(let bytes): count = bytes.count
        case .map(let entries): count = entries.count
        case .null, .bool, .int, .double, .reference:
            throw ManagerError(.wrongType, "\(method): '\(value.kindName)' object is not iterable (argument \(index + 1) is \(value))")
        }
        guard count <= limit else {
            throw ManagerError(.valueError, "\(method): \(count) items would make more than \(limit) items, the most one object holds")
        }
        switch value {
        case .array(let items): return items
        case .string(let text): return text.unicodeScalars.map { .string(String($0)) }
        case .bytes(let bytes): return bytes.map { .int(Int64($0)) }
        case .map(let entries): return entries.keys.elements
        case .null, .bool, .int, .double, .reference: return []
        }
    }
}
