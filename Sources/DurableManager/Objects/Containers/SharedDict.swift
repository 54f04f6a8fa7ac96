package import DurableWire
package import OrderedCollections

/// A shared `dict`: insertion-ordered, any hashable value as a key, Python's methods and errors.
///
/// Every change goes through ``store(_:_:)``, ``remove(_:)`` or ``removeAll()``, which remember
/// the keys touched since the last checkpoint: a checkpoint writes those entries, not the whole
/// dict, so its cost grows with what changed.
package final class SharedDict: SharedObject {
    package private(set) var entries: OrderedDictionary<Value, Value> = [:]
    /// Each key's place in first-insertion order, as the journal stores it.
    private var positions: [Value: Int64] = [:]
    private var nextPosition: Int64 = 0
    private var changedKeys: Set<Value> = []
    /// Set by `clear`: the next checkpoint rewrites the dict rather than listing deletions.
    private var rewriteAll = false

    init() {}

    init(restoring rows: [DictEntryRow]) {
        for row in rows {
            entries[row.key] = row.value
            positions[row.key] = row.position
            nextPosition = max(nextPosition, row.position + 1)
        }
    }

    package static let type = SharedObjectType(
        typeID: "dict",
        exposed: [
            "__getitem__", "__setitem__", "__delitem__", "__contains__", "__len__", "get", "keys", "values",
            "items", "pop", "popitem", "setdefault", "update", "clear", "copy",
        ],
        mutating: ["__setitem__", "__delitem__", "pop", "popitem", "setdefault", "update", "clear"],
        journaling: .calls,
        create: { arguments, _ throws(ManagerError) in
            try arguments.expect(0...1)
            let dict = SharedDict()
            if arguments.count == 1 { try dict.update(with: arguments[0], method: arguments.method) }
            return dict
        },
        restore: { state throws(ManagerError) in
            guard case .entries(let rows) = state else { throw ManagerError(.valueError, "a dict is restored from its entries") }
            return SharedDict(restoring: rows)
        }
    )

    package func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        .returned(try apply(method, arguments))
    }

    package func replay(_ op: String, _ arguments: Arguments) throws(ManagerError) {
        _ = try apply(op, arguments)
    }

    package func checkpointChanges(everything: Bool) -> CheckpointChanges? {
        defer {
            changedKeys = []
            rewriteAll = false
        }
        if everything || rewriteAll {
            let rows = entries.map { DictEntryRow(key: $0.key, value: $0.value, position: positions[$0.key]!) }
            return .entries(upserts: rows, deletes: [], rewrite: true)
        }
        guard !changedKeys.isEmpty else { return nil }
        var upserts: [DictEntryRow] = []
        var deletes: [Value] = []
        for key in changedKeys {
            if let value = entries[key] {
                upserts.append(DictEntryRow(key: key, value: value, position: positions[key]!))
            } else {
                deletes.append(key)
            }
        }
        return .entries(upserts: upserts, deletes: deletes, rewrite: false)
    }

    private func store(_ key: Value, _ value: Value) {
        if entries.updateValue(value, forKey: key) == nil {
            positions[key] = nextPosition
            nextPosition += 1
        }
        changedKeys.insert(key)
    }

    private func remove(_ key: Value) -> Value? {
        guard let value = entries.removeValue(forKey: key) else { return nil }
        positions[key] = nil
        changedKeys.insert(key)
        return value
    }

    private func removeAll() {
        entries.removeAll()
        positions.removeAll()
        changedKeys.removeAll()
        rewriteAll = true
    }

    private func apply(_ method: String, _ arguments: Arguments) throws(ManagerError) -> Value {
        switch method {
        case "__getitem__":
            try arguments.expect(1...1)
            guard let value = entries[try key(arguments[0], method)] else { throw .keyError(arguments[0]) }
            return (value)
        case "get":
            try arguments.expect(1...2)
            let key = try key(arguments[0], method)
            if let value = entries[key] { return (value) }
            return (try arguments.value(1, default: .null))
        case "__setitem__":
            try arguments.expect(2...2)
            store(try key(arguments[0], method), arguments[1])
            return (.null)
        case "__delitem__":
            try arguments.expect(1...1)
            guard remove(try key(arguments[0], method)) != nil else { throw .keyError(arguments[0]) }
            return (.null)
        case "__contains__":
            try arguments.expect(1...1)
            return (.bool(entries[try key(arguments[0], method)] != nil))
        case "__len__":
            try arguments.expect(0...0)
            return (.int(Int64(entries.count)))
        case "keys":
            try arguments.expect(0...0)
            return (.array(entries.keys.elements))
        case "values":
            try arguments.expect(0...0)
            return (.array(entries.values.elements))
        case "items":
            try arguments.expect(0...0)
            return (.array(entries.map { .array([$0.key, $0.value]) }))
        case "pop":
            try arguments.expect(1...2)
            if let value = remove(try key(arguments[0], method)) { return value }
            guard arguments.count == 2 else { throw .keyError(arguments[0]) }
            return (arguments[1])
        case "popitem":
            try arguments.expect(0...0)
            guard let last = entries.elements.last else {
                throw ManagerError(.keyError, "popitem(): dictionary is empty")
            }
            _ = remove(last.key)
            return (.array([last.key, last.value]))
        case "setdefault":
            try arguments.expect(1...2)
            let key = try key(arguments[0], method)
            if let value = entries[key] { return (value) }
            let value = try arguments.value(1, default: .null)
            store(key, value)
            return value
        case "update":
            // d.update() with nothing is valid Python, and changes nothing.
            try arguments.expect(0...1)
            if arguments.count == 1 { try update(with: arguments[0], method: method) }
            return (.null)
        case "clear":
            try arguments.expect(0...0)
            removeAll()
            return (.null)
        case "copy":
            try arguments.expect(0...0)
            return (.map(entries))
        default:
            throw ManagerError(.notExposed, "dict has no method \(method)")
        }
    }

    package var heldReferences: [ObjectReference] { Value.map(entries).references }

    /// Accepts a map, or a list of `[key, value]` pairs, as Python's `dict.update` does.
    private func update(with other: Value, method: String) throws(ManagerError) {
        switch other {
        case .map(let pairs):
            for (key, value) in pairs { store(try self.key(key, method), value) }
        case .array(let pairs):
            var staged: [(Value, Value)] = []
            for (index, pair) in pairs.enumerated() {
                guard case .array(let parts) = pair else {
                    throw .wrongType(method: method, expected: "a map or a list of [key, value] pairs", got: pair)
                }
                // Python: a sequence of the wrong length is a ValueError, not a TypeError.
                guard parts.count == 2 else {
                    throw ManagerError(.valueError, "\(method): element #\(index) has length \(parts.count); 2 is required")
                }
                staged.append((try key(parts[0], method), parts[1]))
            }
            for (key, value) in staged { store(key, value) }
        default:
            throw .wrongType(method: method, expected: "a map or a list of [key, value] pairs", got: other)
        }
    }

    /// Python refuses mutable keys; so do we, so that a dict means the same on both sides.
    private func key(_ value: Value, _ method: String) throws(ManagerError) -> Value {
        switch value {
        case .array, .map:
            throw ManagerError(.wrongType, "\(method): unhashable key of type \(value.kindName): \(value)")
        default:
            return value
        }
    }
}
