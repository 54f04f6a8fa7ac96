package import DurableWire
package import OrderedCollections

/// A shared `dict`: insertion-ordered, any hashable value as a key, Python's methods and errors.
package final class SharedDict: SharedObject {
    package private(set) var entries: OrderedDictionary<Value, Value>

    init(entries: OrderedDictionary<Value, Value> = [:]) {
        self.entries = entries
    }

    package static let type = SharedObjectType(
        typeID: "dict",
        exposed: [
            "__getitem__", "__setitem__", "__delitem__", "__contains__", "__len__", "get", "keys", "values",
            "items", "pop", "popitem", "setdefault", "update", "clear", "copy",
        ],
        mutating: ["__setitem__", "__delitem__", "pop", "popitem", "setdefault", "update", "clear"]
    ) { arguments, _ throws(ManagerError) in
        try arguments.expect(0...1)
        let dict = SharedDict()
        if arguments.count == 1 { try dict.update(with: arguments[0], method: arguments.method) }
        return dict
    }

    package func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        switch method {
        case "__getitem__":
            try arguments.expect(1...1)
            guard let value = entries[try key(arguments[0], method)] else { throw .keyError(arguments[0]) }
            return .returned(value)
        case "get":
            try arguments.expect(1...2)
            let key = try key(arguments[0], method)
            if let value = entries[key] { return .returned(value) }
            return .returned(try arguments.value(1, default: .null))
        case "__setitem__":
            try arguments.expect(2...2)
            entries[try key(arguments[0], method)] = arguments[1]
            return .returned(.null)
        case "__delitem__":
            try arguments.expect(1...1)
            guard entries.removeValue(forKey: try key(arguments[0], method)) != nil else { throw .keyError(arguments[0]) }
            return .returned(.null)
        case "__contains__":
            try arguments.expect(1...1)
            return .returned(.bool(entries[try key(arguments[0], method)] != nil))
        case "__len__":
            try arguments.expect(0...0)
            return .returned(.int(Int64(entries.count)))
        case "keys":
            try arguments.expect(0...0)
            return .returned(.array(entries.keys.elements))
        case "values":
            try arguments.expect(0...0)
            return .returned(.array(entries.values.elements))
        case "items":
            try arguments.expect(0...0)
            return .returned(.array(entries.map { .array([$0.key, $0.value]) }))
        case "pop":
            try arguments.expect(1...2)
            if let value = entries.removeValue(forKey: try key(arguments[0], method)) { return .returned(value) }
            guard arguments.count == 2 else { throw .keyError(arguments[0]) }
            return .returned(arguments[1])
        case "popitem":
            try arguments.expect(0...0)
            guard let last = entries.elements.last else {
                throw ManagerError(.keyError, "popitem(): dictionary is empty")
            }
            entries.removeLast()
            return .returned(.array([last.key, last.value]))
        case "setdefault":
            try arguments.expect(1...2)
            let key = try key(arguments[0], method)
            if let value = entries[key] { return .returned(value) }
            let value = try arguments.value(1, default: .null)
            entries[key] = value
            return .returned(value)
        case "update":
            try arguments.expect(1...1)
            try update(with: arguments[0], method: method)
            return .returned(.null)
        case "clear":
            try arguments.expect(0...0)
            entries.removeAll()
            return .returned(.null)
        case "copy":
            try arguments.expect(0...0)
            return .returned(.map(entries))
        default:
            throw ManagerError(.notExposed, "dict has no method \(method)")
        }
    }

    package var heldReferences: [ObjectReference] { Value.map(entries).references }

    /// Accepts a map, or a list of `[key, value]` pairs, as Python's `dict.update` does.
    private func update(with other: Value, method: String) throws(ManagerError) {
        switch other {
        case .map(let pairs):
            for (key, value) in pairs { entries[try self.key(key, method)] = value }
        case .array(let pairs):
            var staged: [(Value, Value)] = []
            for pair in pairs {
                guard case .array(let parts) = pair, parts.count == 2 else {
                    throw .wrongType(method: method, expected: "a map or a list of [key, value] pairs", got: pair)
                }
                staged.append((try key(parts[0], method), parts[1]))
            }
            for (key, value) in staged { entries[key] = value }
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
