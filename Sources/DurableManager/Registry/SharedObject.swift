package import DurableWire

/// What a shared object does for the store that owns it.
///
/// Objects live on the manager's event loop and are called one at a time, in order: they
/// need no locks. A blocking method parks the call (``PendingCall/park(unpark:)``) and
/// completes it later.
package protocol SharedObject: AnyObject {
    /// Applies `method` to the object.
    /// - Returns: The result, or ``CallOutcome/parked`` when the call will be completed later.
    /// - Throws: ``ManagerError`` for the caller; the object is left as it was.
    func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome

    /// Every reference the object holds to other objects, which keeps them alive.
    var heldReferences: [ObjectReference] { get }

    /// A session ended: release whatever its callers held (locks, permits).
    func sessionEnded(_ sessionID: String)
}

extension SharedObject {
    package var heldReferences: [ObjectReference] { [] }
    package func sessionEnded(_ sessionID: String) {}
}

/// How a method call on a shared object ended, for now.
package enum CallOutcome {
    case returned(Value)
    /// The object keeps the call and completes it later.
    case parked
}
