package import DurableWire

/// A durable object whose mutating calls are deterministic, so that replaying a call is making
/// it again, and whose state a checkpoint writes whole (list, Namespace, Value).
package protocol WholeStateObject: SharedObject {
    static var type: SharedObjectType { get }
    /// The whole state, as a checkpoint stores it and `restore` reads it.
    var snapshot: Value { get }
    var changedSinceCheckpoint: Bool { get set }
    /// Applies a method; the same code serves live calls and replay.
    func apply(_ method: String, _ arguments: Arguments) throws(ManagerError) -> Value
}

extension WholeStateObject {
    package func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        let result = try apply(method, arguments)
        if Self.type.mutating.contains(method) { changedSinceCheckpoint = true }
        return .returned(result)
    }

    package func replay(_ op: String, _ arguments: Arguments) throws(ManagerError) {
        _ = try apply(op, arguments)
        changedSinceCheckpoint = true
    }

    package func checkpointChanges(everything: Bool) -> CheckpointChanges? {
        guard everything || changedSinceCheckpoint else { return nil }
        changedSinceCheckpoint = false
        return .whole(snapshot)
    }
}
