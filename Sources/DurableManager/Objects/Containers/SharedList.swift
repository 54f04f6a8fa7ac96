package import DurableWire
package import NIOCore

/// A shared `list`: Python's methods, negative indices, and Python's errors.
///
/// It keeps the encoded size of its items, so that a call that would make it (or a reply) larger
/// than `--max-value-size` is refused before anything is built. A checkpoint writes the blocks of
/// items that changed (``ItemBlocks``): appending to a long list writes its last block or two.
package final class SharedList: WholeStateObject {
    package private(set) var items: [Value]
    /// The encoded bytes of the items: the state weighs this plus its header.
    private var itemsSize: Int
    package var changedSinceCheckpoint = false
    /// Which blocks of items changed since the last checkpoint.
    private var blocks: ItemBlocks

    /// The most items a list holds. Python's limit is memory; ours is a number, so that no call
    /// can make the manager allocate without bound (`[0] * 2**62`).
    package static let maxItems = 10_000_000

    /// - Parameter checkpointed: The items are what the checkpoint holds (restored from its blocks).
    init(items: [Value] = [], checkpointed: Bool = false) {
        self.items = items
        itemsSize = Self.size(of: items)
        blocks = ItemBlocks(written: checkpointed ? 0..<Int64(items.count) : 0..<0)
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
            let items = arguments.count == 1 ? try arguments.iterable(0, limit: maxItems) : []
            try arguments.checkSize(stateSize(size(of: items), count: items.count), of: "the list")
            return SharedList(items: items)
        },
        restore: { state throws(ManagerError) in
            switch state {
            case .items(.null, let items, 0): return SharedList(items: items, checkpointed: true)
            // A journal before schema 4, an export, the fuzzer: the whole list.
            case .whole(.array(let items)): return SharedList(items: items)
            default: throw ManagerError(.valueError, "a list is restored from its items from position 0, or an array")
            }
        },
        checkpointLayout: .items
    )

    package var snapshot: Value { .array(items) }

    package func checkpointChanges(everything: Bool) -> CheckpointChanges? {
        changedSinceCheckpoint = false
        return blocks.changes(items, at: 0..<Int64(items.count), state: .null, stateChanged: false, everything: everything).map(CheckpointChanges.blocks)
    }

    package var blockRows: Int { ItemBlocks.blockCount(0..<Int64(items.count)) }

    package func describe(at now: NIODeadline) -> ObjectDescription {
        ObjectDescription(size: items.count)
    }

    package func effect(of method: String, _ arguments: Arguments) throws(ManagerError) -> CallEffect {
        switch method {
        case "__getitem__":
            try arguments.expect(1...1)
            return .read(items[try position(arguments.int(0), "list index out of range")])
        case "__setitem__":
            try arguments.expect(2...2)
            let index = try position(arguments.int(0), "list assignment index out of range")
            let size = try grown(by: arguments[1].encodedSize - items[index].encodedSize, count: 0, arguments)
            return .update {
                self.items[index] = arguments[1]
                self.itemsSize = size
                self.blocks.changed(at: Int64(index))
            }
        case "__delitem__":
            try arguments.expect(1...1)
            let index = try position(arguments.int(0), "list assignment index out of range")
            return .update { _ = self.remove(at: index) }
        case "__contains__":
            try arguments.expect(1...1)
            return .read(.bool(items.contains { $0.pythonEquals(arguments[0]) }))
        case "__len__":
            try arguments.expect(0...0)
            return .read(.int(Int64(items.count)))
        case "append":
            try arguments.expect(1...1)
            let size = try grown(by: arguments[0].encodedSize, count: 1, arguments)
            return .update {
                self.items.append(arguments[0])
                self.itemsSize = size
            }
        case "extend", "__iadd__":
            try arguments.expect(1...1)
            let added = try arguments.iterable(0, limit: Self.maxItems - items.count)
            let size = try grown(by: Self.size(of: added), count: added.count, arguments)
            return .update {
                self.items.append(contentsOf: added)
                self.itemsSize = size
            }
        case "insert":
            try arguments.expect(2...2)
            let index = try arguments.int(0)
            let size = try grown(by: arguments[1].encodedSize, count: 1, arguments)
            let count = Int64(items.count)
            let clamped = Int(index < 0 ? max(0, index + count) : min(index, count))
            return .update {
                self.items.insert(arguments[1], at: clamped)
                self.itemsSize = size
                self.blocks.changed(from: Int64(clamped))
            }
        case "pop":
            try arguments.expect(0...1)
            // As Python, a bad argument is a TypeError even on an empty list.
            let index = try arguments.int(0, default: -1)
            guard !items.isEmpty else { throw ManagerError(.indexError, "pop from empty list") }
            let resolved = try position(index, "pop index out of range")
            return .change { self.remove(at: resolved) }
        case "remove":
            try arguments.expect(1...1)
            guard let index = items.firstIndex(where: { $0.pythonEquals(arguments[0]) }) else {
                throw ManagerError(.valueError, "list.remove(x): \(arguments[0]) is not in list")
            }
            return .update { _ = self.remove(at: index) }
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
            return .update {
                self.items.reverse()
                self.blocks.changed(from: 0)
            }
        case "__reversed__":
            try arguments.expect(0...0)
            return .read(.array(items.reversed()))
        case "sort":
            try arguments.expect(0...1)
            let sorted = try sorted(descending: arguments.bool(0, default: false))
            return .update {
                self.items = sorted
                self.blocks.changed(from: 0)
            }
        case "clear":
            try arguments.expect(0...0)
            return .update {
                self.items.removeAll()
                self.itemsSize = 0
                self.blocks.changed(from: 0)
            }
        case "copy":
            try arguments.expect(0...0)
            return .read(.array(items))
        case "__add__":
            try arguments.expect(1...1)
            guard case .array(let other) = arguments[0] else {
                throw ManagerError(.wrongType, "can only concatenate list (not \"\(arguments[0].kindName)\") to list")
            }
            _ = try grown(by: Self.size(of: other), count: other.count, arguments, what: "the result")
            return .read(.array(items + other))
        case "__mul__", "__rmul__":
            try arguments.expect(1...1)
            return .read(.array(try repeated(arguments.int(0), arguments).items))
        case "__imul__":
            try arguments.expect(1...1)
            let (result, size) = try repeated(arguments.int(0), arguments)
            return .update {
                self.items = result
                self.itemsSize = size
                self.blocks.changed(from: 0)
            }
        default:
            throw ManagerError(.notExposed, "list has no method \(method)")
        }
    }

    package var heldReferences: [ObjectReference] { Value.array(items).references }

    private func remove(at index: Int) -> Value {
        let removed = items.remove(at: index)
        blocks.changed(from: Int64(index))
        itemsSize -= removed.encodedSize
        return removed
    }

    private func position(_ index: Int64, _ message: String) throws(ManagerError) -> Int {
        let resolved = index < 0 ? index + Int64(items.count) : index
        guard resolved >= 0, resolved < Int64(items.count) else {
            throw ManagerError(.indexError, "\(message) (index \(index), length \(items.count))")
        }
        return Int(resolved)
    }

    private static func size(of items: [Value]) -> Int {
        items.reduce(0) { $0 + $1.encodedSize }
    }

    /// What a list of `count` items weighing `itemsSize` bytes weighs encoded.
    private static func stateSize(_ itemsSize: Int, count: Int) -> Int {
        1 + Value.varintSize(UInt64(count)) + itemsSize
    }

    /// The items' size after adding `added` items weighing `bytes` more, checked against the
    /// list's limits (``maxItems``, `--max-value-size`) before anything changes.
    private func grown(by bytes: Int, count added: Int, _ arguments: Arguments, what: String = "the list") throws(ManagerError) -> Int {
        guard added <= Self.maxItems - items.count else {
            throw ManagerError(.valueError, "\(arguments.method): \(what) would hold \(items.count) + \(added) items, more than \(Self.maxItems), the most one list holds")
        }
        let size = itemsSize + bytes
        try arguments.checkSize(Self.stateSize(size, count: items.count + added), of: what)
        return size
    }

    /// The items repeated `times` times, as `l * times`, and their size; the size is checked
    /// before anything is allocated, and a product that overflows is refused, not wrapped.
    private func repeated(_ times: Int64, _ arguments: Arguments) throws(ManagerError) -> (items: [Value], size: Int) {
        guard times > 0, !items.isEmpty else { return ([], 0) }
        let (total, overflow) = Int64(items.count).multipliedReportingOverflow(by: times)
        let (size, sizeOverflow) = itemsSize.multipliedReportingOverflow(by: Int(times))
        guard !overflow, !sizeOverflow, total <= Int64(Self.maxItems) else {
            throw ManagerError(.valueError, "\(arguments.method): repeating \(items.count) items \(times) times would make more than \(Self.maxItems) items, the most one list holds")
        }
        try arguments.checkSize(Self.stateSize(size, count: Int(total)), of: "the result")
        var result: [Value] = []
        result.reserveCapacity(Int(total))
        for _ in 0..<times { result.append(contentsOf: items) }
        return (result, size)
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
