package import DurableWire

/// One mutation as the journal stores it: which object, which operation, with what.
///
/// Operations are the object's own replayable steps: a dict's method calls, a queue's
/// `put` and `get` effects, and the store's `create`, `unname` and `drop`.
package struct JournalRecord: Sendable, Hashable {
    package var seq: UInt64
    /// Seconds since 1970, when the record was appended.
    package var time: Double
    package var object: UInt64
    package var op: String
    package var arguments: [Value]
}
