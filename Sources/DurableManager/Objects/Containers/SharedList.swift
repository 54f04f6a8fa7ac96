package import DurableWire

/// A shared `list`: Python's methods, negative indices, and Python's errors.
package final class SharedList: WholeStateObject {
    package private(set) var items: [Value]
    package var changedSinceCheckpoint = false

    init(items: [Value] = []) {
        self.items = items
    }

    package static let type = SharedObjectType(
        typeID: "list",
        exposed: [
            "__getitem__", "__setitem__", "__delitem__", "__contains__", "__len__", "append", "extend", "insert",
            "pop", "remove", "index", "count", "reverse", "sort", "clear", "copy", "__add__", "__mul__",
            "__iadd__", "__imul__",
        ],
        mutating: [
            "__setitem__", "__delitem__", "append", "extend", "insert", "pop", "remove", "reverse", "sort",
            "clear", "__iadd__", "__imul__",
        ],
        journaling: .calls,
        create: { arguments, _ throws(ManagerError) in
            try arguments.expect(0...1)
            guard arguments.count == 1 else { return SharedList() }
            guard case .array(let items) = arguments[0] else {
                throw .wrongType(method: "list", expected: "a list of initial items", got: arguments[0])
            }
            return SharedList(items: items)
        },
        restore: { state throws(ManagerError) in
            guard case .whole(.array(let items)) = state else { throw ManagerError(.valueError, "a list is restored from an array") }
            return SharedList(items: items)
        }
    )

    package var snapshot: Value { .array(items) }

    package func apply(_ method: String, _ arguments: Arguments) throws(ManagerError) -> Value {
        switch method {
        case "__getitem__":
            try arguments.expect(1...1)
            return (items[try position(arguments.int(0), "list index out of range")])
        case "__setitem__":
            try arguments.expect(2...2)
            items[try position(arguments.int(0), "list assignment index out of range")] = arguments[1]
            return (.null)
        case "__delitem__":
            try arguments.expect(1...1)
            items.remove(at: try position(arguments.int(0), "list assignment index out of range"))
            return (.null)
        case "__contains__":
            try arguments.expect(1...1)
            return (.bool(items.contains { $0.pythonEquals(arguments[0]) }))
        case "__len__":
            try arguments.expect(0...0)
            return (.int(Int64(items.count)))
        case "append":
            try arguments.expect(1...1)
            items.append(arguments[0])
            return (.null)
        case "extend", "__iadd__":
            try arguments.expect(1...1)
            items.append(contentsOf: try array(arguments[0], method))
            return (.null)
        case "insert":
            try arguments.expect(2...2)
            let index = try arguments.int(0)
            let count = Int64(items.count)
            let clamped = index < 0 ? max(0, index + count) : min(index, count)
            items.insert(arguments[1], at: Int(clamped))
            return (.null)
        case "pop":
            try arguments.expect(0...1)
            // As Python, a bad argument is a TypeError even on an empty list.
            let index = try arguments.int(0, default: -1)
            guard !items.isEmpty else { throw ManagerError(.indexError, "pop from empty list") }
            return (items.remove(at: try position(index, "pop index out of range")))
        case "remove":
            try arguments.expect(1...1)
            guard let index = items.firstIndex(where: { $0.pythonEquals(arguments[0]) }) else {
                throw ManagerError(.valueError, "list.remove(x): \(arguments[0]) is not in list")
            }
            items.remove(at: index)
            return (.null)
        case "index":
            try arguments.expect(1...3)
            let count = Int64(items.count)
            func bound(_ raw: Int64) -> Int { Int(raw < 0 ? max(0, raw + count) : min(raw, count)) }
            let start = bound(try arguments.int(1, default: 0))
            let stop = bound(try arguments.int(2, default: count))
            if start < stop, let index = items[start..<stop].firstIndex(where: { $0.pythonEquals(arguments[0]) }) {
                return (.int(Int64(index)))
            }
            throw ManagerError(.valueError, "\(arguments[0]) is not in list")
        case "count":
            try arguments.expect(1...1)
            return (.int(Int64(items.count { $0.pythonEquals(arguments[0]) })))
        case "reverse":
            try arguments.expect(0...0)
            items.reverse()
            return (.null)
        case "sort":
            try arguments.expect(0...1)
            items = try sorted(descending: arguments.bool(0, default: false))
            return (.null)
        case "clear":
            try arguments.expect(0...0)
            items.removeAll()
            return (.null)
        case "copy":
            try arguments.expect(0...0)
            return (.array(items))
        case "__add__":
            try arguments.expect(1...1)
            return (.array(items + (try array(arguments[0], method))))
        case "__mul__":
            try arguments.expect(1...1)
            return (.array(try repeated(arguments.int(0))))
        case "__imul__":
            try arguments.expect(1...1)
            items = try repeated(arguments.int(0))
            return (.null)
        default:
            throw ManagerError(.notExposed, "list has no method \(method)")
        }
    }

    package var heldReferences: [ObjectReference] { Value.array(items).references }

    private func position(_ index: Int64, _ message: String) throws(ManagerError) -> Int {
        let resolved = index < 0 ? index + Int64(items.count) : index
        guard resolved >= 0, resolved < Int64(items.count) else {
            throw ManagerError(.indexError, "\(message) (index \(index), length \(items.count))")
        }
        return Int(resolved)
    }

    private func array(_ value: Value, _ method: String) throws(ManagerError) -> [Value] {
        guard case .array(let other) = value else { throw .wrongType(method: method, expected: "a list", got: value) }
        return other
    }

    private func repeated(_ times: Int64) throws(ManagerError) -> [Value] {
        guard times > 0 else { return [] }
        guard Int64(items.count).multipliedReportingOverflow(by: times).partialValue <= 10_000_000 else {
            throw ManagerError(.valueError, "repeating \(items.count) items \(times) times would exceed 10,000,000 items")
        }
        return Array([[Value]](repeating: items, count: Int(times)).joined())
    }

    /// A stable sort (as Python's), refusing values that Python cannot order with `TypeError`;
    /// the list is unchanged when it refuses.
    private func sorted(descending: Bool) throws(ManagerError) -> [Value] {
        var unorderable: (Value, Value)?
        let order = items.enumerated().sorted { lhs, rhs in
            let (first, second) = descending ? (rhs.element, lhs.element) : (lhs.element, rhs.element)
            if let before = Value.pythonOrder(first, second) {
                if before { return true }
                if Value.pythonOrder(second, first) == true { return false }
                return lhs.offset < rhs.offset
            }
            unorderable = unorderable ?? (lhs.element, rhs.element)
            return lhs.offset < rhs.offset
        }
        if let (a, b) = unorderable {
            throw ManagerError(.wrongType, "sort: \(a.kindName) and \(b.kindName) cannot be ordered (\(a) and \(b))")
        }
        return order.map(\.element)
    }
}
