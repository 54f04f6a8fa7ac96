public import DurableWire

/// One mutation as the journal stores it: which object, which operation, with what.
///
/// Operations are the object's own replayable steps: a dict's method calls, a queue's
/// `put` and `get` effects, and the store's `create`, `unname` and `drop`. `docs/JOURNAL.md`
/// lists them all.
///
/// ```swift
/// for record in try reader.records(after: 0) {
///     print(record.seq, record.op, record.arguments)
/// }
/// ```
public struct JournalRecord: Sendable, Hashable {
    /// The record's number: 1, 2, 3... never reused once committed.
    public var seq: UInt64
    /// Seconds since 1970, when the record was appended.
    public var time: Double
    /// The id of the object it changed.
    public var object: UInt64
    /// The operation: a method, a queue's effect, or the manager's `create`, `unname`, `drop`.
    public var op: String
    /// The operation's arguments, as the journal stores them.
    public var arguments: [Value]
    /// The session of the client whose call made the record; nil for the manager's own records
    /// (a sweep's `drop`, a lease that expired).
    public var session: String?
    /// The request id of that call within its session.
    public var request: UInt64?
    /// The call's reply, remembered so that the same call sent again (after a lost connection
    /// or a restart) gets it and changes nothing twice.
    public var reply: Value?

    package init(
        seq: UInt64, time: Double, object: UInt64, op: String, arguments: [Value],
        session: String? = nil, request: UInt64? = nil, reply: Value? = nil
    ) {
        self.seq = seq
        self.time = time
        self.object = object
        self.op = op
        self.arguments = arguments
        self.session = session
        self.request = request
        self.reply = reply
    }
}
