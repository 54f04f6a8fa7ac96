package import DurableWire
package import NIOCore
import OrderedCollections

/// A shared `dict`: insertion-ordered, any hashable value as a key, Python's methods and errors.
///
/// Keys compare as Python's do (``PythonKey``): `1`, `1.0` and `true` are one key, and the key
/// first stored is the one kept; strings compare by code points; every NaN is one key.
///
/// Every change goes through ``store(_:_:)``, ``remove(at:)`` or ``removeAll()``, which remember
/// the blocks touched since the last checkpoint (``BlockChanges``: entries by position, 256 to a
/// block): a checkpoint writes those blocks, not the whole dict, so its cost grows with what
/// changed. They also keep the entries' encoded size, so that a call that would make the dict (or
/// its `items()`) larger than `--max-value-size` is refused.
package final class SharedDict: SharedObject {
    private var entries: OrderedDictionary<PythonKey, Value> = [:]
    /// The encoded bytes of every entry as `items()` returns it: key, value and a pair's header.
    private var entriesSize = 0
    /// Each entry's place in first-insertion order, as the journal stores it, by the entry's
    /// index: it grows along the entries, so a block's entries are found by a binary search.
    private var positions: [Int64] = []
    private var nextPosition: Int64 = 0
    /// Blocks whose entries changed since the last checkpoint.
    private var changedBlocks: Set<Int64> = []
    /// Set by `clear`: the next checkpoint rewrites the dict rather than listing deletions.
    private var rewriteAll = false

    init() {}

    /// - Parameter rows: The checkpoint's entries, in position order.
    init(restoring rows: [DictEntryRow]) {
        entries.reserveCapacity(rows.count)
        positions.reserveCapacity(rows.count)
        for row in rows {
            let key = PythonKey(row.key)
            let (old, index) = entries.updateValue(row.value, forKey: key, insertingAt: entries.count)
            if let old {
                // A journal written before keys compared as Python's may hold `1` and `1.0`
                // apart: they are one key now, the later row's value under the first row's key,
                // and the next checkpoint writes it so (both rows' blocks).
                entriesSize += row.value.encodedSize - old.encodedSize
                changedBlocks.insert(BlockChanges.block(of: row.position))
                changedBlocks.insert(BlockChanges.block(of: positions[index]))
                continue
            }
            entriesSize += Self.entrySize(key, row.value)
            positions.append(row.position)
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
            if arguments.count == 1 {
                let pairs = try pairs(arguments, "dict")
                try arguments.checkSize(dict.size(after: pairs), of: "the dict")
                dict.store(pairs)
            }
            return dict
        },
        restore: { state throws(ManagerError) in
            guard case .entries(let rows) = state else { throw ManagerError(.valueError, "a dict is restored from its entries") }
            return SharedDict(restoring: rows)
        },
        checkpointLayout: .dictEntries
    )

    package func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        .returned(try effect(of: method, arguments).apply())
    }

    package func replay(_ op: String, _ arguments: Arguments) throws(ManagerError) {
        _ = try effect(of: op, arguments).apply()
    }

    package func describe(at now: NIODeadline) -> ObjectDescription {
        ObjectDescription(size: entries.count)
    }

    package func checkpointChanges(everything: Bool) -> CheckpointChanges? {
        defer {
            changedBlocks = []
            rewriteAll = false
        }
        if everything || rewriteAll {
            var writes: [BlockChanges.Block] = []
            var start = 0
            while start < positions.count {
                let block = BlockChanges.block(of: positions[start])
                let end = firstIndex(from: start, atOrAfter: (block + 1) * BlockChanges.size)
                writes.append(blockData(block, start..<end))
                start = end
            }
            return .blocks(BlockChanges(state: .null, rewrite: true, writes: writes, deletes: []))
        }
        guard !changedBlocks.isEmpty else { return nil }
        var changes = BlockChanges(state: .null, rewrite: false, writes: [], deletes: [])
        for block in changedBlocks.sorted() {
            let start = firstIndex(from: 0, atOrAfter: block * BlockChanges.size)
            let end = firstIndex(from: start, atOrAfter: (block + 1) * BlockChanges.size)
            if start == end {
                changes.deletes.append(block)
            } else {
                changes.writes.append(blockData(block, start..<end))
            }
        }
        return .blocks(changes)
    }

    /// The index of the first entry from `start` on whose position is `position` or more.
    private func firstIndex(from start: Int, atOrAfter position: Int64) -> Int {
        var low = start
        var high = positions.count
        while low < high {
            let middle = (low + high) / 2
            if positions[middle] < position { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Block `block` as a checkpoint writes it: `[position, key, value, ...]` of the entries at `indices`.
    private func blockData(_ block: Int64, _ indices: Range<Int>) -> BlockChanges.Block {
        var data: [Value] = []
        data.reserveCapacity(3 * indices.count)
        for index in indices {
            data.append(.int(positions[index]))
            data.append(entries.keys[index].value)
            data.append(entries.values[index])
        }
        return BlockChanges.Block(number: block, data: .array(data))
    }

    package var blockRows: Int {
        var count = 0
        var last: Int64?
        for position in positions {
            let block = BlockChanges.block(of: position)
            if block != last { count += 1 }
            last = block
        }
        return count
    }

    package var currentState: Value {
        .map(OrderedDictionary(entries.map { ($0.key.value, $0.value) }, uniquingKeysWith: { first, _ in first }))
    }

    private func store(_ key: PythonKey, _ value: Value) {
        let (old, index) = entries.updateValue(value, forKey: key, insertingAt: entries.count)
        if let old {
            entriesSize += value.encodedSize - old.encodedSize
        } else {
            entriesSize += Self.entrySize(key, value)
            positions.append(nextPosition)
            nextPosition += 1
        }
        changedBlocks.insert(BlockChanges.block(of: positions[index]))
    }

    /// What `items()` of one entry weighs: a pair's header, the key, the value.
    private static func entrySize(_ key: PythonKey, _ value: Value) -> Int {
        2 + key.value.encodedSize + value.encodedSize
    }

    /// What the dict would weigh encoded (its `items()`) after storing `pairs`, in order.
    private func size(after pairs: [(PythonKey, Value)]) -> Int {
        if pairs.count == 1, let (key, value) = pairs.first {
            // One pair, the common call: no table of what the pairs stored.
            let size = entriesSize + (entries[key].map { value.encodedSize - $0.encodedSize } ?? Self.entrySize(key, value))
            return 1 + Value.varintSize(UInt64(entries.count + 1)) + size
        }
        var size = entriesSize
        var stored: [PythonKey: Int] = [:]
        for (key, value) in pairs {
            if let old = stored[key] ?? entries[key]?.encodedSize {
                size += value.encodedSize - old
            } else {
                size += Self.entrySize(key, value)
            }
            stored[key] = value.encodedSize
        }
        return 1 + Value.varintSize(UInt64(entries.count + pairs.count)) + size
    }

    private func store(_ pairs: [(PythonKey, Value)]) {
        for (key, value) in pairs { store(key, value) }
    }

    /// Removes the entry at `index`, which the effect found.
    private func remove(at index: Int) -> (key: Value, value: Value) {
        let (key, value) = entries.remove(at: index)
        entriesSize -= Self.entrySize(key, value)
        changedBlocks.insert(BlockChanges.block(of: positions.remove(at: index)))
        return (key.value, value)
    }

    private func removeAll() {
        entries.removeAll()
        entriesSize = 0
        positions.removeAll()
        changedBlocks.removeAll()
        rewriteAll = true
    }

    /// What a call does; every check is made before its change (``CallEffect``).
    private func effect(of method: String, _ arguments: Arguments) throws(ManagerError) -> CallEffect {
        switch method {
        case "__getitem__":
            try arguments.expect(1...1)
            guard let value = entries[try Self.key(arguments[0], method)] else { throw .keyError(arguments[0]) }
            return .read(value)
        case "get":
            try arguments.expect(1...2)
            if let value = entries[try Self.key(arguments[0], method)] { return .read(value) }
            return .read(try arguments.value(1, default: .null))
        case "__setitem__":
            try arguments.expect(2...2)
            let key = try Self.key(arguments[0], method)
            try arguments.checkSize(size(after: [(key, arguments[1])]), of: "the dict")
            return .update { self.store(key, arguments[1]) }
        case "__delitem__":
            try arguments.expect(1...1)
            guard let index = entries.index(forKey: try Self.key(arguments[0], method)) else { throw .keyError(arguments[0]) }
            return .update { _ = self.remove(at: index) }
        case "__contains__":
            try arguments.expect(1...1)
            return .read(.bool(entries[try Self.key(arguments[0], method)] != nil))
        case "__len__":
            try arguments.expect(0...0)
            return .read(.int(Int64(entries.count)))
        case "keys":
            try arguments.expect(0...0)
            return .read(.array(entries.keys.map(\.value)))
        case "values":
            try arguments.expect(0...0)
            return .read(.array(entries.values.elements))
        case "items":
            try arguments.expect(0...0)
            return .read(.array(entries.map { .array([$0.key.value, $0.value]) }))
        case "pop":
            try arguments.expect(1...2)
            if let index = entries.index(forKey: try Self.key(arguments[0], method)) {
                return .change { self.remove(at: index).value }
            }
            guard arguments.count == 2 else { throw .keyError(arguments[0]) }
            return .read(arguments[1])
        case "popitem":
            try arguments.expect(0...0)
            guard !entries.isEmpty else { throw ManagerError(.keyError, "popitem(): dictionary is empty") }
            return .change {
                let (key, value) = self.remove(at: self.entries.count - 1)
                return .array([key, value])
            }
        case "setdefault":
            try arguments.expect(1...2)
            let key = try Self.key(arguments[0], method)
            if let value = entries[key] { return .read(value) }
            let value = try arguments.value(1, default: .null)
            try arguments.checkSize(size(after: [(key, value)]), of: "the dict")
            return .change {
                self.store(key, value)
                return value
            }
        case "update":
            // d.update() with nothing is valid Python, and changes nothing.
            try arguments.expect(0...1)
            guard arguments.count == 1 else { return .read(.null) }
            let pairs = try Self.pairs(arguments, method)
            try arguments.checkSize(size(after: pairs), of: "the dict")
            return .update { self.store(pairs) }
        case "clear":
            try arguments.expect(0...0)
            return .update { self.removeAll() }
        case "copy":
            try arguments.expect(0...0)
            return .read(currentState)
        default:
            throw ManagerError(.notExposed, "dict has no method \(method)")
        }
    }

    package var heldReferences: [ObjectReference] { entries.values.flatMap(\.references) + entries.keys.flatMap(\.value.references) }

    /// The entries of `dict(x)` or `d.update(x)`, all checked before any is stored: a map's
    /// entries, or an iterable of pairs, each of which is an iterable of two (a list, a
    /// two-character string...), as Python's `dict.update` takes them.
    private static func pairs(_ arguments: Arguments, _ method: String) throws(ManagerError) -> [(PythonKey, Value)] {
        if case .map(let entries) = arguments[0] {
            var pairs: [(PythonKey, Value)] = []
            pairs.reserveCapacity(entries.count)
            for (key, value) in entries { pairs.append((try Self.key(key, method), value)) }
            return pairs
        }
        let elements: [Value]
        do {
            elements = try arguments.iterable(0, limit: .max)
        } catch {
            throw ManagerError(.wrongType, "\(method) takes a map or an iterable of [key, value] pairs, got \(arguments[0].kindName) \(arguments[0])")
        }
        var pairs: [(PythonKey, Value)] = []
        pairs.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            let parts: [Value]
            do {
                parts = try Arguments(method: method, values: [element]).iterable(0, limit: .max)
            } catch {
                throw ManagerError(.wrongType, "\(method): cannot convert dictionary update sequence element #\(index) (\(element.kindName) \(element)) to a sequence")
            }
            // Python: a sequence of the wrong length is a ValueError, not a TypeError.
            guard parts.count == 2 else {
                throw ManagerError(.valueError, "\(method): dictionary update sequence element #\(index) has length \(parts.count); 2 is required")
            }
            pairs.append((try Self.key(parts[0], method), parts[1]))
        }
        return pairs
    }

    /// Python refuses mutable keys; so do we, so that a dict means the same on both sides.
    private static func key(_ value: Value, _ method: String) throws(ManagerError) -> PythonKey {
        switch value {
        case .array, .map:
            throw ManagerError(.wrongType, "\(method): unhashable key of type \(value.kindName): \(value)")
        default:
            return PythonKey(value)
        }
    }
}
