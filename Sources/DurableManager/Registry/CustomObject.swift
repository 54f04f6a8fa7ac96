import DurableWire

/// A user's object of a ``SharedType``, as the store calls it.
///
/// A durable one records, for every call of a mutating method, the call's arguments and the
/// whole state after it; replaying a record is taking that state, so the user's method (which
/// may print, or read the clock) never runs again in a restart.
final class CustomObject<Object: AnyObject>: SharedObject {
    private var object: Object
    private let type: SharedType<Object>
    private var changedSinceCheckpoint = false

    init(_ object: Object, type: SharedType<Object>) {
        self.object = object
        self.type = type
    }

    /// The registry's entry for `type`.
    static func objectType(_ type: SharedType<Object>) -> SharedObjectType {
        let create: @Sendable (Arguments, SharedObjectType.CreationContext) throws(ManagerError) -> any SharedObject = { arguments, _ throws(ManagerError) in
            CustomObject(try userCode(type.typeID, "its creator") { try type.create(arguments) }, type: type)
        }
        var restore: (@Sendable (RestoredState) throws(ManagerError) -> any SharedObject)?
        if let coding = type.coding {
            restore = { state throws(ManagerError) in
                guard case .whole(let value) = state else { throw ManagerError(.valueError, "\(type.typeID) is restored from its whole state") }
                return CustomObject(try decode(value, coding, type.typeID), type: type)
            }
        }
        let adopt: @Sendable (AnyObject) -> (any SharedObject)? = { child in
            (child as? Object).map { CustomObject($0, type: type) }
        }
        return SharedObjectType(
            typeID: type.typeID,
            exposed: Set(type.methods.keys),
            mutating: Set(type.methods.filter { $0.value.mutating }.keys),
            journaling: type.coding == nil ? .none : .records,
            recordsCreatedState: type.coding != nil,
            create: create,
            restore: restore,
            adopt: adopt
        )
    }

    func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        guard let entry = type.methods[method] else {
            throw ManagerError(.notExposed, "\(type.typeID) does not expose '\(method)'")
        }
        let outcome: Result<SharedType<Object>.Outcome, ManagerError>
        do throws(ManagerError) {
            outcome = .success(try Self.userCode(type.typeID, "'\(method)'") { try entry.body(object, arguments) })
        } catch {
            outcome = .failure(error)
        }
        if entry.mutating {
            changedSinceCheckpoint = true
            // Recorded even when the method threw: it may have changed the object before it did.
            if let coding = type.coding {
                call.record(method, [.array(arguments.values), try encode(coding)])
            }
        }
        switch try outcome.get() {
        case .value(let value): return .returned(value)
        case .object(let child): return .created(child, typeID: entry.returnsTypeID ?? "")
        }
    }

    func replay(_ op: String, _ arguments: Arguments) throws(ManagerError) {
        guard let coding = type.coding, arguments.count == 2 else {
            throw ManagerError(.valueError, "a record of \(type.typeID) holds [arguments, state], not \(arguments.count) values")
        }
        object = try Self.decode(arguments[1], coding, type.typeID)
        changedSinceCheckpoint = true
    }

    func checkpointChanges(everything: Bool) -> CheckpointChanges? {
        guard let coding = type.coding, everything || changedSinceCheckpoint, let state = try? encode(coding) else { return nil }
        changedSinceCheckpoint = false
        return .whole(state)
    }

    private func encode(_ coding: SharedType<Object>.Coding) throws(ManagerError) -> Value {
        try Self.userCode(type.typeID, "encoding its state") { try coding.encode(object) }
    }

    private static func decode(_ state: Value, _ coding: SharedType<Object>.Coding, _ typeID: String) throws(ManagerError) -> Object {
        try userCode(typeID, "decoding its state") { try coding.decode(state) }
    }

    /// Runs user code; an error other than a ``ManagerError`` reaches the caller with its type's
    /// name as the code, as Python re-raises a method's own exception in the client.
    private static func userCode<Result>(_ typeID: String, _ what: String, _ body: () throws -> Result) throws(ManagerError) -> Result {
        do {
            return try body()
        } catch let error as ManagerError {
            throw error
        } catch {
            throw ManagerError(.init(wireName: String(describing: Swift.type(of: error))), "\(typeID) \(what) failed: \(error)")
        }
    }
}
