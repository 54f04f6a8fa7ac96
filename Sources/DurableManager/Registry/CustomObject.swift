import DurableWire

/// A user's object of a ``SharedType``, as the store calls it.
///
/// A durable one records, for every call of a mutating method, the call's arguments and the
/// whole state after it; replaying a record is taking that state, so the user's method (which
/// may print, or read the clock) never runs again in a restart.
final class CustomObject<Object: AnyObject & SendableMetatype>: SharedObject {
    private var object: Object
    private let type: SharedType<Object>
    /// A durable object's state as last recorded: what a checkpoint writes, and what the object
    /// goes back to when its new state cannot be encoded (so memory never runs ahead of the journal).
    private var recordedState: Value?
    private var changedSinceCheckpoint = false

    /// Wraps a new object; a durable one must encode, or it is refused before anyone sees it.
    init(_ object: Object, type: SharedType<Object>) throws(ManagerError) {
        self.object = object
        self.type = type
        if let coding = type.coding {
            recordedState = try Self.userCode(type.typeID, "encoding its state") { try coding.encode(object) }
        }
    }

    /// Rebuilds a durable object from a recorded state.
    private init(state: Value, coding: SharedType<Object>.Coding, type: SharedType<Object>) throws(ManagerError) {
        object = try Self.decode(state, coding, type.typeID)
        self.type = type
        recordedState = state
    }

    /// The registry's entry for `type`.
    static func objectType(_ type: SharedType<Object>) -> SharedObjectType {
        let create: @Sendable (Arguments, SharedObjectType.CreationContext) throws(ManagerError) -> any SharedObject = { arguments, _ throws(ManagerError) in
            try CustomObject(try userCode(type.typeID, "its creator") { try type.create(arguments) }, type: type)
        }
        var restore: (@Sendable (RestoredState) throws(ManagerError) -> any SharedObject)?
        if let coding = type.coding {
            restore = { state throws(ManagerError) in
                guard case .whole(let value) = state else { throw ManagerError(.valueError, "\(type.typeID) is restored from its whole state") }
                return try CustomObject(state: value, coding: coding, type: type)
            }
        }
        let adopt: @Sendable (AnyObject) throws(ManagerError) -> (any SharedObject)? = { child throws(ManagerError) in
            guard let child = child as? Object else { return nil }
            return try CustomObject(child, type: type)
        }
        return SharedObjectType(
            typeID: type.typeID,
            exposed: Set(type.methods.keys),
            mutating: Set(type.methods.filter { $0.value.mutating }.keys),
            journaling: type.coding == nil ? .none : .records,
            recordsCreatedState: type.coding != nil,
            returnedTypeIDs: Set(type.methods.values.compactMap(\.returnsTypeID)),
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
            if let coding = type.coding { try record(method, arguments, coding, call) }
        }
        switch try outcome.get() {
        case .value(let value): return .returned(value)
        case .object(let child): return .created(child, typeID: entry.returnsTypeID ?? "")
        }
    }

    /// Journals the state after a mutating call; a state that cannot be encoded fails the call
    /// and puts the object back as it was last recorded.
    private func record(_ method: String, _ arguments: Arguments, _ coding: SharedType<Object>.Coding, _ call: PendingCall) throws(ManagerError) {
        do throws(ManagerError) {
            let state = try Self.userCode(type.typeID, "encoding its state after '\(method)'") { try coding.encode(object) }
            recordedState = state
            call.record(method, [.array(arguments.values), state])
        } catch {
            if let recordedState, let previous = try? Self.decode(recordedState, coding, type.typeID) { object = previous }
            throw error
        }
    }

    func replay(_ op: String, _ arguments: Arguments) throws(ManagerError) {
        guard let coding = type.coding, arguments.count == 2 else {
            throw ManagerError(.valueError, "a record of \(type.typeID) holds [arguments, state], not \(arguments.count) values")
        }
        object = try Self.decode(arguments[1], coding, type.typeID)
        recordedState = arguments[1]
        changedSinceCheckpoint = true
    }

    func checkpointChanges(everything: Bool) -> CheckpointChanges? {
        guard let recordedState, everything || changedSinceCheckpoint else { return nil }
        changedSinceCheckpoint = false
        return .whole(recordedState)
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
