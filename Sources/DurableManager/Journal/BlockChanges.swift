package import DurableWire

/// What a checkpoint writes for an object kept in blocks: a dict's entries, a list's or a
/// queue's items, ``size`` positions to a row of the `blocks` table, so that a checkpoint
/// rewrites the blocks that changed (a few items appended or taken cost a block or two, not
/// the whole list), and a start reads a million entries as four thousand rows.
///
/// A block's `data` is one value: for a dict `[position, key, value, ...]` in position order
/// (positions are first-insertion order, with gaps where keys were deleted); for a list or a
/// queue `[first position, item, item, ...]`, consecutive from the first.
package struct BlockChanges: Sendable {
    /// Positions per block.
    package static let size: Int64 = 256

    /// One block to write.
    package struct Block: Sendable {
        package var number: Int64
        package var data: Value
    }

    /// The object's own fields beside its blocks (a queue's `maxsize` and `unfinished`), which
    /// go to `objects.state`; null for a dict or a list.
    package var state: Value
    /// Delete every block of the object before writing ``writes``.
    package var rewrite: Bool
    /// Blocks to write, whole.
    package var writes: [Block]
    /// Blocks to delete.
    package var deletes: [Int64]

    /// The block that holds `position`.
    package static func block(of position: Int64) -> Int64 {
        position >= 0 ? position / size : (position - size + 1) / size
    }
}
