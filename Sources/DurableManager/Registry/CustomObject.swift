import DurableWire

/// A user's object of a ``SharedType``, as the store calls it.
///
/// A durable one records, for every call of a mutating method, the call's arguments and the
/// whole state after it; replaying a record is taking that state, so the user's method (which
/// may print, or read the clock) never runs again in a restart. A mutating call that fails (the
/// method throws, its state cannot be recorded, its result cannot be sent) puts the object back
/// to its recorded state and records nothing: all or nothing, whatever the user's code did
/// before it failed.
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
            let state = try Self.userCode(type.typeID, "encoding its state") { try coding.encode(object) }
            try Self.checkNesting(state, type.typeID)
            recordedState = state
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
        do throws(ManagerError) {
            let outcome = try Self.userCode(type.typeID, "'\(method)'") { try entry.body(object, arguments) }
            if case .value(let value) = outcome {
                if value.nests(deeperThan: ValueNesting.stored) {
                    throw ManagerError(
                        .valueError,
                        "\(type.typeID).\(method) returned a value nested \(value.nesting) levels; a reply nests at most \(ValueNesting.stored)"
                    )
                }
                try arguments.checkSize(value.encodedSize, of: "the reply")
            }
            if entry.mutating {
                changedSinceCheckpoint = true
                // A method that returns an object is answered with a reference the store makes
                // later: no reply is journaled for it.
                let reply: Value? = if case .value(let value) = outcome { value } else { nil }
                if let coding = type.coding { try record(method, arguments, coding, call, reply: reply) }
            }
            switch outcome {
            case .value(let value): return .returned(value)
            case .object(let child): return .created(child, typeID: entry.returnsTypeID ?? "")
            }
        } catch {
            if entry.mutating { revert() }
            throw error
        }
    }

    /// Journals the state after a mutating call.
    /// - Throws: when the state cannot be encoded, or nests deeper than a journal is read.
    private func record(_ method: String, _ arguments: Arguments, _ coding: SharedType<Object>.Coding, _ call: PendingCall, reply: Value?) throws(ManagerError) {
        let state = try Self.userCode(type.typeID, "encoding its state after '\(method)'") { try coding.encode(object) }
        try Self.checkNesting(state, type.typeID)
        try arguments.checkSize(state.encodedSize, of: "the state of \(type.typeID)")
        recordedState = state
        call.record(method, [.array(arguments.values), state], reply: reply)
    }

    /// A record holds the state one level down (`[arguments, state]`), so the state may nest one
    /// level less than what a journal reads.
    private static func checkNesting(_ state: Value, _ typeID: String) throws(ManagerError) {
        guard state.nests(deeperThan: ValueNesting.stored - 1) else { return }
        throw ManagerError(
            .valueError,
            "the state of \(typeID) nests \(state.nesting) levels; a journal holds states nested at most \(ValueNesting.stored - 1)"
        )
    }

    /// Puts a durable object back to its recorded state after a failed mutating call. An
    /// in-memory object has no record to go back to: it stays as the user's code left it.
    private func revert() {
        guard let coding = type.coding, let recordedState, let previous = try? Self.decode(recordedState, coding, type.typeID) else { return }
        object = previous
    }

    func replay(_ op: String, _ arguments: Arguments) throws(ManagerError) {
        guard let coding = type.coding, arguments.count == 2 else {
            throw ManagerError(.valueError, "a record of \(type.typeID) holds [arguments, state], not \(arguments.count) values")
        }
        object = try Self.decode(arguments[1], coding, type.typeID)
        recordedState = arguments[1]
        changedSinceCheckpoint = true
    }

    var currentState: Value { recordedState ?? .null }

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
