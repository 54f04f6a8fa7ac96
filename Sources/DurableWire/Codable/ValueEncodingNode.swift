import OrderedCollections

/// One place in the value that ``ValueEncoder`` is building.
///
/// Codable hands out containers that outlive the call that made them (a nested container is
/// filled after it is inserted into its parent), so the tree is built from shared nodes and
/// turned into a ``Value`` once `encode(to:)` has returned.
final class ValueEncodingNode {
    /// What a map entry or array item holds: a finished value, or a node still being filled.
    enum Child {
        case value(Value)
        case node(ValueEncodingNode)

        var value: Value {
            switch self {
            case .value(let value): value
            case .node(let node): node.value
            }
        }
    }

    private enum Content {
        case empty
        case single(Value)
        case map(OrderedDictionary<Value, Child>)
        case array([Child])

        var name: String {
            switch self {
            case .empty: "nothing"
            case .single: "a single value"
            case .map: "a keyed container"
            case .array: "an unkeyed container"
            }
        }
    }

    private var content = Content.empty

    /// The finished value. A node that nothing was written to is an empty map, the closest
    /// thing to a type that encoded no fields.
    var value: Value {
        switch content {
        case .empty: .map([:])
        case .single(let value): value
        case .map(let entries): .map(entries.mapValues(\.value))
        case .array(let items): .array(items.map(\.value))
        }
    }

    func setSingle(_ value: Value, at codingPath: [any CodingKey]) {
        switch content {
        case .empty, .single: content = .single(value)
        case .map, .array: conflict(asking: "a single value", at: codingPath)
        }
    }

    /// Makes this node a map. Asking again keeps the entries: a subclass and its superclass
    /// that share one encoder both ask for a keyed container.
    func becomeMap(at codingPath: [any CodingKey]) {
        switch content {
        case .empty: content = .map([:])
        case .map: break
        case .single, .array: conflict(asking: "a keyed container", at: codingPath)
        }
    }

    func becomeArray(at codingPath: [any CodingKey]) {
        switch content {
        case .empty: content = .array([])
        case .array: break
        case .single, .map: conflict(asking: "an unkeyed container", at: codingPath)
        }
    }

    func set(_ child: Child, forKey key: Value) {
        guard case .map(var entries) = content else { preconditionFailure("only a map node hands out a keyed container") }
        // Park the node empty while inserting, so `entries` is the only reference and is not copied.
        content = .empty
        entries[key] = child
        content = .map(entries)
    }

    func append(_ child: Child) {
        guard case .array(var items) = content else { preconditionFailure("only an array node hands out an unkeyed container") }
        content = .empty
        items.append(child)
        content = .array(items)
    }

    var count: Int {
        guard case .array(let items) = content else { return 0 }
        return items.count
    }

    /// Encoder methods cannot throw here, and a conformance that mixes container kinds on one
    /// encoder is a bug in that conformance, not in its data; Foundation's encoders trap too.
    private func conflict(asking what: String, at codingPath: [any CodingKey]) -> Never {
        let path = codingPath.map(\.stringValue).joined(separator: ".")
        preconditionFailure("Encodable conformance at '\(path)' asked its encoder for \(what) after writing \(content.name) there; one encoder holds one value")
    }
}
