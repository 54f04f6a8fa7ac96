package import DurableWire
package import NIOCore

/// What a shared object does for the store that owns it.
///
/// Objects live on the manager's event loop and are called one at a time, in order: they
/// need no locks. A blocking method parks the call (``PendingCall/park(unpark:)``) and
/// completes it later. A durable object also replays its journal records and hands its state
/// to checkpoints.
package protocol SharedObject: AnyObject {
    /// Applies `method` to the object.
    /// - Returns: The result, or ``CallOutcome/parked`` when the call will be completed later.
    /// - Throws: ``ManagerError`` for the caller; the object is left as it was.
    func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome

    /// Every reference the object holds to other objects, which keeps them alive.
    var heldReferences: [ObjectReference] { get }

    /// Whether calls are parked on the object. Such an object lives until they end, whatever
    /// refers to it, as a Python server's thread holds the object for the length of a call.
    var hasParkedCalls: Bool { get }

    /// A session ended: release whatever its callers held (locks, permits, leases).
    func sessionEnded(_ sessionID: String)

    /// The object starts to serve: `context` schedules its timers and journals what changes
    /// without a call. Called once, after creation by a call or after restore and replay; never
    /// in a journal reader. Objects that change only in calls ignore it.
    func activate(_ context: ObjectContext)

    /// Applies one journal record, as at the moment it was appended.
    func replay(_ op: String, _ arguments: Arguments) throws(ManagerError)

    /// What changed since the last checkpoint, or everything when `everything` is set; nil when
    /// nothing changed. Calling it starts a new checkpoint interval.
    func checkpointChanges(everything: Bool) -> CheckpointChanges?

    /// How many rows of `blocks` the object's checkpoint holds (a dict's, list's or queue's;
    /// 0 for every other type), which the checkpoint records so that a start notices rows gone
    /// missing.
    var blockRows: Int { get }

    /// The object's whole state, read without touching what the next checkpoint writes: what a
    /// reader shows and a custom type's `create` record holds (a dict's entries as one map).
    /// `.null` for an object that keeps none (the primitives).
    var currentState: Value { get }

    /// Answers every parked call with `error` and stops the object's timers: the object is
    /// about to be replaced (read back from the journal), or the manager stops serving.
    func failWaiters(_ error: ManagerError)

    /// The whole state as an operator sees it now (`durablectl show`): ``currentState`` and what
    /// only memory knows about it, such as when a lease ends.
    func liveState(at now: NIODeadline) -> Value

    /// What an operator sees of the object now: its size, its live state (a lock's holder and
    /// waiters, an event's flag), and who holds it. Cheap and bounded: counts, and only the
    /// first few waiters by name. `now` is the same instant for every object of one listing.
    func describe(at now: NIODeadline) -> ObjectDescription
}

extension SharedObject {
    package var heldReferences: [ObjectReference] { [] }
    package var hasParkedCalls: Bool { false }
    package func sessionEnded(_ sessionID: String) {}
    package func activate(_ context: ObjectContext) {}
    package func replay(_ op: String, _ arguments: Arguments) throws(ManagerError) {
        throw ManagerError(.valueError, "\(Self.self) keeps no journal")
    }
    package func checkpointChanges(everything: Bool) -> CheckpointChanges? { nil }
    package var currentState: Value { .null }
    package var blockRows: Int { 0 }
    package func failWaiters(_ error: ManagerError) {}
    package func liveState(at now: NIODeadline) -> Value { currentState }
    package func describe(at now: NIODeadline) -> ObjectDescription { ObjectDescription() }
}

/// How a method call on a shared object ended, for now.
package enum CallOutcome {
    case returned(Value)
    /// The object keeps the call and completes it later.
    case parked
    /// The method made a new object of the registered type `typeID`; the store keeps it and
    /// the caller gets a reference (Python's `method_to_typeid`).
    case created(AnyObject, typeID: String)
}

/// What a checkpoint writes for one object.
package enum CheckpointChanges: Sendable {
    /// The object's whole state.
    case whole(Value)
    /// A dict's, list's or queue's changed blocks (``BlockChanges``).
    case blocks(BlockChanges)
}

/// One dict entry as the journal stores it; `position` orders entries by first insertion.
package struct DictEntryRow: Sendable, Hashable {
    package var key: Value
    package var value: Value
    package var position: Int64

    package init(key: Value, value: Value, position: Int64) {
        self.key = key
        self.value = value
        self.position = position
    }
}

/// The state a durable object is rebuilt from at start-up.
package enum RestoredState: Sendable {
    case whole(Value)
    /// A dict's entries, in position order.
    case entries([DictEntryRow])
    /// A list's or queue's fields beside its items (`state`), and its items, the first at
    /// position `first`.
    case items(state: Value, items: [Value], first: Int64)
}
