import DurableWire

/// What a list or a queue remembers between checkpoints about its items' blocks
/// (``BlockChanges``), so that a checkpoint writes only the blocks whose items changed.
///
/// Items sit at consecutive positions: a list's from 0, a queue's from its head, which grows as
/// items are taken (an item keeps its position while it is in the queue). A block is written
/// when it was changed in place (``changed(at:)``), when it lies at or past the lowest position
/// from which everything moved (``changed(from:)``: an insert, a sort), or when the positions
/// it covers are not the ones the last checkpoint wrote (items appended, or taken from the
/// head); blocks the items no longer reach are deleted.
struct ItemBlocks {
    /// The positions the last checkpoint wrote.
    private var written: Range<Int64> = 0..<0
    /// Blocks changed in place since.
    private var changedBlocks: Set<Int64> = []
    /// Every position from here on changed since.
    private var changedFrom: Int64?

    /// A checkpoint restored (or written) `positions`: nothing changed since.
    init(written positions: Range<Int64> = 0..<0) {
        written = positions
    }

    /// The item at `position` was replaced.
    mutating func changed(at position: Int64) {
        changedBlocks.insert(BlockChanges.block(of: position))
    }

    /// The items from `position` on may all have moved or changed.
    mutating func changed(from position: Int64) {
        changedFrom = min(changedFrom ?? position, position)
    }

    /// How many blocks `positions` spread over: the rows a checkpoint of them holds.
    static func blockCount(_ positions: Range<Int64>) -> Int {
        blocks(positions).map { $0.count } ?? 0
    }

    /// The blocks to write and delete so that the checkpoint holds `items` at `positions`, or
    /// nil when nothing changed (neither the items nor, as `stateChanged` says, `state`); from
    /// then on, that is what is written.
    mutating func changes(
        _ items: some RandomAccessCollection<Value>, at positions: Range<Int64>, state: Value, stateChanged: Bool, everything: Bool
    ) -> BlockChanges? {
        defer {
            written = positions
            changedBlocks = []
            changedFrom = nil
        }
        var writes: [BlockChanges.Block] = []
        if let current = Self.blocks(positions) {
            for block in current {
                let range = Self.covered(block, positions)
                let dirty = everything || changedBlocks.contains(block) || changedFrom.map { $0 < range.upperBound } == true
                    || range != Self.covered(block, written)
                guard dirty else { continue }
                var data: [Value] = []
                data.reserveCapacity(range.count + 1)
                data.append(.int(range.lowerBound))
                let start = items.index(items.startIndex, offsetBy: Int(range.lowerBound - positions.lowerBound))
                data.append(contentsOf: items[start..<items.index(start, offsetBy: range.count)])
                writes.append(.init(number: block, data: .array(data)))
            }
        }
        var deletes: [Int64] = []
        if !everything, let old = Self.blocks(written) {
            // The old blocks below and above the ones the items reach now.
            let current = Self.blocks(positions)
            let below = current.map { min($0.lowerBound, old.upperBound + 1) } ?? old.upperBound + 1
            let above = current.map { max($0.upperBound + 1, old.lowerBound) } ?? old.upperBound + 1
            deletes = Array(old.lowerBound..<max(below, old.lowerBound)) + Array(above..<max(above, old.upperBound + 1))
        }
        guard everything || stateChanged || !writes.isEmpty || !deletes.isEmpty else { return nil }
        return BlockChanges(state: state, rewrite: everything, writes: writes, deletes: deletes)
    }

    /// The blocks `positions` spread over.
    private static func blocks(_ positions: Range<Int64>) -> ClosedRange<Int64>? {
        positions.isEmpty ? nil : BlockChanges.block(of: positions.lowerBound)...BlockChanges.block(of: positions.upperBound - 1)
    }

    /// The part of `positions` in `block`, empty (0..<0) when none.
    private static func covered(_ block: Int64, _ positions: Range<Int64>) -> Range<Int64> {
        let lower = max(block * BlockChanges.size, positions.lowerBound)
        let upper = min((block + 1) * BlockChanges.size, positions.upperBound)
        return lower < upper ? lower..<upper : 0..<0
    }
}
