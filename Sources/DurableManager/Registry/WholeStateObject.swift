package import DurableWire

/// A durable object whose mutating calls are deterministic, so that replaying a call is making
/// it again, and whose state a checkpoint writes whole (list, Namespace, Value).
package protocol WholeStateObject: SharedObject {
    static var type: SharedObjectType { get }
    /// The whole state, as a checkpoint stores it and `restore` reads it.
    var snapshot: Value { get }
    var changedSinceCheckpoint: Bool { get set }
    /// What a method does: every check happens here, before the change; the same code serves
    /// live calls and replay.
    func effect(of method: String, _ arguments: Arguments) throws(ManagerError) -> CallEffect
}

extension WholeStateObject {
    package func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        .returned(try apply(method, arguments))
    }

    package func replay(_ op: String, _ arguments: Arguments) throws(ManagerError) {
        _ = try apply(op, arguments)
    }

    /// Checks the call, then makes its change; nothing changes when it throws.
    package func apply(_ method: String, _ arguments: Arguments) throws(ManagerError) -> Value {
        let effect = try effect(of: method, arguments)
        if case .change = effect { changedSinceCheckpoint = true }
        return effect.apply()
    }

    package var currentState: Value { snapshot }

    package func checkpointChanges(everything: Bool) -> CheckpointChanges? {
        guard everything || changedSinceCheckpoint else { return nil }
        changedSinceCheckpoint = false
        return .whole(snapshot)
    }
}
