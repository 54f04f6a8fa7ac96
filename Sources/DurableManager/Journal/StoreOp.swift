/// The records the store writes for itself, beside the records of object methods: an object's
/// creation, the removal of its name, its drop, and a manager's start. Every other record's op
/// is the name of the object method it replays.
package enum StoreOp: String, CaseIterable, Sendable {
    case create, unname, drop, start

    /// The ops that say which objects came and went, under which names.
    static let lifecycle: [StoreOp] = [.create, .unname, .drop]

    /// `lifecycle` as an SQL list of string literals: `('create', 'unname', 'drop')`.
    static var lifecycleSQL: String {
        "(" + lifecycle.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
    }
}
