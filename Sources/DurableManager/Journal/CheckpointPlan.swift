import DurableWire

/// What one checkpoint writes, collected on the event loop and written on the journal's thread.
package struct CheckpointPlan: Sendable {
    package struct ObjectRow: Sendable {
        package var id: UInt64
        package var typeID: String
        package var name: String?
        package var changes: CheckpointChanges
    }

    /// Objects whose state or name changed since the last checkpoint.
    package var objects: [ObjectRow] = []
    /// Objects gone since the last checkpoint.
    package var dropped: [UInt64] = []
    /// Rewrite every object: the rows of objects not in `objects` are deleted.
    package var replaceAll = false
    /// The last record the checkpointed state includes; the journal up to it is dropped.
    package var upTo: UInt64 = 0
    /// How many rows `objects` and `blocks` hold once it is written (every durable object and
    /// every block of one in memory, for a manager's checkpoint), which a start checks.
    package var rows = (objects: 0, blocks: 0)
    /// The replies the manager remembers, which replace the `replies` table; nil leaves it.
    package var replies: [ReplyMemory.Row]?
}
