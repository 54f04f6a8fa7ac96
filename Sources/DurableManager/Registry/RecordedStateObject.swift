import DurableWire

/// An object of a type the reader does not have the code of (a custom manager's type), rebuilt
/// from the states its records carry.
///
/// A durable custom type writes its whole state in its `create` record and in every record of a
/// mutating call (`[arguments, state]`), so its state at any record is known without its code.
final class RecordedStateObject: SharedObject {
    private var state: Value

    init(state: Value) {
        self.state = state
    }

    static func type(_ typeID: String) -> SharedObjectType {
        SharedObjectType(
            typeID: typeID, exposed: [], journaling: .records,
            create: { _, _ throws(ManagerError) in
                throw ManagerError(.valueError, "objects of type '\(typeID)' are only read here, from their recorded state")
            },
            restore: { restored throws(ManagerError) in
                guard case .whole(let state) = restored else { throw ManagerError(.valueError, "'\(typeID)' is restored from its whole state") }
                return RecordedStateObject(state: state)
            }
        )
    }

    func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        throw ManagerError(.notExposed, "objects of this type are only read here, from their recorded state")
    }

    func replay(_ op: String, _ arguments: Arguments) throws(ManagerError) {
        guard arguments.count == 2 else {
            throw ManagerError(.valueError, "a record of a custom type holds [arguments, state], not \(arguments.count) values")
        }
        state = arguments[1]
    }

    var currentState: Value { state }

    func checkpointChanges(everything: Bool) -> CheckpointChanges? {
        .whole(state)
    }
}
