/// How deeply values may nest: one limit for what enters the manager, and the room the manager
/// needs around it for what it stores and returns.
///
/// A client's argument may nest ``accepted`` levels of arrays and maps (a scalar is level 0, an
/// array of scalars level 1). The manager wraps what it accepted: a journal record is a list of
/// arguments, a queue's checkpoint is a map holding a list of items, `dict.items()` returns a list
/// of pairs. Everything the manager writes, to the journal or in a reply, nests at most
/// ``stored`` levels, and every reader of what the manager wrote (a start-up, `durablectl`, a
/// client reading replies) accepts that much. So whatever the wire accepts, the journal stores and
/// reads back.
///
/// ```swift
/// let value: Value = [[["deep"]]]
/// value.nesting                              // 3
/// value.nests(deeperThan: ValueNesting.accepted)   // false
/// ```
public enum ValueNesting {
    /// The deepest argument a client may send.
    public static let accepted = 64
    /// The most levels the manager adds around an accepted value when it stores or returns it.
    /// The built-in types add at most 4 (a WorkQueue's state in a `describe` reply: a map, its
    /// state map, a list of entries, an entry's map); a custom type's record adds 2 around its
    /// arguments, and its own state is checked against ``stored`` when it is recorded.
    public static let wrapping = 8
    /// The deepest value the manager writes and every reader of it accepts.
    public static let stored = accepted + wrapping
}

extension Value {
    /// How many levels of arrays and maps this value nests: 0 for a scalar, 1 for an array of
    /// scalars. The codec's `maxDepth` reads values up to this nesting.
    public var nesting: Int {
        switch self {
        case .array(let items): 1 + (items.lazy.map(\.nesting).max() ?? 0)
        case .map(let entries): 1 + (entries.lazy.map { Swift.max($0.key.nesting, $0.value.nesting) }.max() ?? 0)
        case .null, .bool, .int, .double, .string, .bytes, .reference: 0
        }
    }

    /// Whether this value nests deeper than `limit`. Stops looking one level past the limit, so
    /// checking a hostile value costs no more than the limit's depth.
    public func nests(deeperThan limit: Int) -> Bool {
        switch self {
        case .array(let items):
            return limit <= 0 || items.contains { $0.nests(deeperThan: limit - 1) }
        case .map(let entries):
            return limit <= 0 || entries.contains { $0.key.nests(deeperThan: limit - 1) || $0.value.nests(deeperThan: limit - 1) }
        case .null, .bool, .int, .double, .string, .bytes, .reference:
            return false
        }
    }
}
