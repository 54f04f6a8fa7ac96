package import DurableWire

/// A shared `list`: Python's methods, negative indices, and Python's errors.
package final class SharedList: WholeStateObject {
    package private(set) var items: [Value]
    package var changedSinceCheckpoint = false

    /// The most items a list holds. Python's limit is memory; ours is a number, so that no call
    /// can make the manager allocate without bound (`[0] * 2**62`).
    package static let maxItems = 10_000_000

    init(items: [Value] = []) {
        self.items = items
    }

    package static let type = SharedObjectType(
        typeID: "list",
        exposed: [
            "__getitem__", "__setitem__", "__delitem__", "__contains__", "__len__", "append", "extend", "insert",
            "pop", "remove", "index", "count", "reverse", "sort", "clear", "copy", "__add__", "__mul__", "__rmul__",
            "__iadd__", "__imul__", "__reversed__",
        ],
        mutating: [
            "__setitem__", "__delitem__", "append", "extend", "insert", "pop", "remove", "reverse", "sort",
            "clear", "__iadd__", "__imul__",
        ],
        journaling: .calls,
        create: { arguments, _ throws(ManagerError) in
            try arguments.expect(0...1)
            return SharedList(items: arguments.count == 1 ? try arguments.iterable(0, limit: maxItems) : [])
        },
        restore: { state throws(ManagerError) in
            guard case .whole(.array(let items)) = state else { throw ManagerError(.valueError, "a list is restored from an array") }
            return SharedList(items: items)
        }
    )

    package var snapshot: Value { .array(items) }

    package func effect(of method: String, _ arguments: Arguments) throws(ManagerError) -> CallEffect {
        switch method {
        case "__getitem__":
            try arguments.expect(1...1)
            return .read(items[try position(arguments.int(0), "list index out of range")])
        case "__setitem__":
            try arguments.expect(2...2)
            let index = try position(arguments.int(0), "list assignment index out of range")
            return .change { self.items[index] = arguments[1] }
        case "__delitem__":
            try arguments.expect(1...1)
            let index = try position(arguments.int(0), "list assignment index out of range")
            return .change { self.items.remove(at: index) }
        case "__contains__":
            try arguments.expect(1...1)
            return .read(.bool(items.contains { $0.pythonEquals(arguments[0]) }))
        case "__len__":
            try arguments.expect(0...0)
            return .read(.int(Int64(items.count)))
        case "append":
            try arguments.expect(1...1)
            try checkRoom(for: 1, method)
            return .change { self.items.append(arguments[0]) }
        case "extend", "__iadd__":
            try arguments.expect(1...1)
            let added = try arguments.iterable(0, limit: Self.maxItems - items.count)
            return .change { self.items.append(contentsOf: added) }
        case "insert":
            try arguments.expect(2...2)
            let index = try arguments.int(0)
            try checkRoom(for: 1, method)
            let count = Int64(items.count)
            let clamped = Int(index < 0 ? max(0, index + count) : min(index, count))
            return .change { self.items.insert(arguments[1], at: clamped) }
        case "pop":
            try arguments.expect(0...1)
            // As Python, a bad argument is a TypeError even on an empty list.
            let index = try arguments.int(0, default: -1)
            guard !items.isEmpty else { throw ManagerError(.indexError, "pop from empty list") }
            let resolved = try position(index, "pop index out of range")
            return .change { self.items.remove(at: resolved) }
        case "remove":
            try arguments.expect(1...1)
            guard let index = items.firstIndex(where: { $0.pythonEquals(arguments[0]) }) else {
                throw ManagerError(.valueError, "list.remove(x): \(arguments[0]) is not in list")
            }
            return .change { self.items.remove(at: index) }
        case "index":
            try arguments.expect(1...3)
            let count = Int64(items.count)
            func bound(_ raw: Int64) -> Int { Int(raw < 0 ? max(0, raw + count) : min(raw, count)) }
            let start = bound(try arguments.int(1, default: 0))
            let stop = bound(try arguments.int(2, default: count))
            if start < stop, let index = items[start..<stop].firstIndex(where: { $0.pythonEquals(arguments[0]) }) {
                return .read(.int(Int64(index)))
            }
            throw ManagerError(.valueError, "\(arguments[0]) is not in list")
        case "count":
            try arguments.expect(1...1)
            return .read(.int(Int64(items.count { $0.pythonEquals(arguments[0]) })))
        case "reverse":
            try arguments.expect(0...0)
            return .change { self.items.reverse() }
        case "__reversed__":
            try arguments.expect(0...0)
            return .read(.array(items.reversed()))
        case "sort":
            try arguments.expect(0...1)
            let sorted = try sorted(descending: arguments.bool(0, default: false))
            return .change { self.items = sorted }
        case "clear":
            try arguments.expect(0...0)
            return .change { self.items.removeAll() }
        case "copy":
            try arguments.expect(0...0)
            return .read(.array(items))
        case "__add__":
            try arguments.expect(1...1)
            guard case .array(let other) = arguments[0] else {
                throw ManagerError(.wrongType, "can only concatenate list (not \"\(arguments[0].kindName)\") to list")
            }
            try checkRoom(for: other.count, method)
            return .read(.array(items + other))
        case "__mul__", "__rmul__":
            try arguments.expect(1...1)
            return .read(.array(try repeated(arguments.int(0), method)))
        case "__imul__":
            try arguments.expect(1...1)
            let result = try repeated(arguments.int(0), method)
            return .change { self.items = result }
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

    /// Refuses a call that would make a list of more than ``maxItems`` items.
    private func checkRoom(for added: Int, _ method: String) throws(ManagerError) {
        guard added <= Self.maxItems - items.count else {
            throw ManagerError(.valueError, "\(method): the list would hold \(items.count) + \(added) items, more than \(Self.maxItems), the most one list holds")
        }
    }

    /// The items repeated `times` times, as `l * times`; the size is checked before anything is
    /// allocated, and a product that overflows is refused, not wrapped.
    private func repeated(_ times: Int64, _ method: String) throws(ManagerError) -> [Value] {
        guard times > 0, !items.isEmpty else { return [] }
        let (total, overflow) = Int64(items.count).multipliedReportingOverflow(by: times)
        guard !overflow, total <= Int64(Self.maxItems) else {
            throw ManagerError(.valueError, "\(method): repeating \(items.count) items \(times) times would make more than \(Self.maxItems) items, the most one list holds")
        }
        var result: [Value] = []
        result.reserveCapacity(Int(total))
        for _ in 0..<times { result.append(contentsOf: items) }
        return result
    }

    /// A stable sort (as Python's), refusing values that Python cannot order with `TypeError`.
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
