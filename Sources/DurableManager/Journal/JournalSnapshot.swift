public import DurableWire

/// Every object of a journal as it was after one record, rebuilt by ``JournalReader``.
public struct JournalSnapshot: Sendable {
    /// The last record the state includes.
    public var seq: UInt64
    /// The epoch of the manager that last opened the journal.
    public var epoch: UInt64
    /// How many records were replayed onto the checkpoint.
    public var replayed: Int
    /// The objects, by id.
    public var objects: [JournalObject]
}

/// One durable object in a ``JournalSnapshot``.
public struct JournalObject: Sendable, Hashable {
    /// The object's id: `epoch << 40 | n`.
    public var id: UInt64
    /// The registered type id: `dict`, `Queue`, or a custom manager's own.
    public var typeID: String
    /// The object's name; nil for an anonymous object.
    public var name: String?
    /// The object's whole state: a dict's entries as a map, a list's items, a queue's
    /// `{maxsize, items, unfinished}`, a WorkQueue's `{lease, maxDeliveries, nextTag, queued,
    /// leased, delayed, dead}`, a custom type's encoded state (`docs/JOURNAL.md`).
    public var state: Value
    /// The last record that touched the object; nil when none has since the checkpoint.
    public var lastSeq: UInt64?

    /// Entries of a dict, items of a list or queue (a WorkQueue's queued ones, as its `qsize`),
    /// attributes of a Namespace; nil for a type with no size (a Value, a custom type).
    public var size: Int? {
        switch (typeID, state) {
        case ("dict", .map(let entries)), ("Namespace", .map(let entries)): entries.count
        case ("list", .array(let items)): items.count
        case ("Queue", .map(let fields)), ("JoinableQueue", .map(let fields)):
            if case .array(let items)? = fields["items"] { items.count } else { nil }
        case ("WorkQueue", .map(let fields)):
            if case .array(let items)? = fields["queued"] { items.count } else { nil }
        default: nil
        }
    }
}

/// An object's type and name, as ``JournalReader/objectNames()`` knows them.
public struct JournalObjectName: Sendable, Hashable {
    /// The registered type id.
    public var typeID: String
    /// The object's name; nil for an anonymous object, or once its name was deleted.
    public var name: String?
    /// Whether a `drop` record released the object: it is gone, though its records remain.
    public var isDropped = false

    /// Updates `names` with what `record` says about its object's type and name, if anything.
    public static func note(_ record: JournalRecord, in names: inout [UInt64: JournalObjectName]) {
        switch StoreOp(rawValue: record.op) {
        case .create?:
            guard case .string(let typeID)? = record.arguments.first else { return }
            let name: String? = if record.arguments.count > 1, case .string(let text) = record.arguments[1] { text } else { nil }
            names[record.object] = JournalObjectName(typeID: typeID, name: name)
        case .unname?:
            names[record.object]?.name = nil
        case .drop?:
            names[record.object]?.isDropped = true
        case .start?, nil:
            break
        }
    }
}

/// What ``JournalReader/verify(progress:)`` found.
public struct JournalVerification: Sendable {
    /// Each problem, saying where it is; empty when the journal is sound.
    public var problems: [String]
    /// Objects rebuilt by the replay.
    public var objects: Int
    /// Records replayed.
    public var replayed: Int
}
