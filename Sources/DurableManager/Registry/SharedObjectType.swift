package import DurableWire

/// One entry of the ``TypeRegistry``: how to create a type, which methods it offers, and
/// whether and how its state is journaled.
///
/// The built-in types are entries like any other; a custom manager adds its own.
package struct SharedObjectType: Sendable {
    /// What the object needs at creation besides its arguments.
    package struct CreationContext {
        /// Finds another object that an argument refers to (a Condition's lock).
        package let resolve: (ObjectReference) throws(ManagerError) -> any SharedObject
    }

    /// How a type's mutations reach the journal.
    package enum Journaling: Sendable {
        /// In memory only: lost in a restart, like Python's primitives.
        case none
        /// Every successful call to a mutating method is the record, and replaying it is calling
        /// the method again (dict, list, Namespace, Value: their methods are deterministic).
        case calls
        /// The object appends its own records through ``PendingCall/record(_:_:)``: for types
        /// whose calls complete each other (a put handing its item to a parked get).
        case records
    }

    /// The registered name: `dict`, `Queue`, `Lock`...
    package let typeID: String
    /// The methods a client may call; any other name is refused with `NotExposed`.
    package let exposed: Set<String>
    /// The exposed methods that change the object's state.
    package let mutating: Set<String>
    package let journaling: Journaling
    /// Whether the `create` record carries the new object's state, which a replay restores
    /// instead of running the creator again (custom types, whose creators are user code).
    package let recordsCreatedState: Bool
    /// The types of the objects its methods return (Python's `method_to_typeid`).
    package let returnedTypeIDs: Set<String>
    /// Builds a new object from the creation call's arguments.
    package let create: @Sendable (Arguments, CreationContext) throws(ManagerError) -> any SharedObject
    /// Rebuilds a durable object from its checkpointed state.
    package let restore: (@Sendable (RestoredState) throws(ManagerError) -> any SharedObject)?
    /// Wraps an object a method returned (Python's `method_to_typeid`); nil when it is not of this type.
    package let adopt: (@Sendable (AnyObject) throws(ManagerError) -> (any SharedObject)?)?
    /// How its checkpoint lies in the journal's tables.
    package let checkpointLayout: CheckpointLayout

    package init(
        typeID: String,
        exposed: Set<String>,
        mutating: Set<String> = [],
        journaling: Journaling = .none,
        recordsCreatedState: Bool = false,
        returnedTypeIDs: Set<String> = [],
        create: @escaping @Sendable (Arguments, CreationContext) throws(ManagerError) -> any SharedObject,
        restore: (@Sendable (RestoredState) throws(ManagerError) -> any SharedObject)? = nil,
        adopt: (@Sendable (AnyObject) throws(ManagerError) -> (any SharedObject)?)? = nil,
        checkpointLayout: CheckpointLayout = .whole
    ) {
        self.typeID = typeID
        self.exposed = exposed
        self.mutating = mutating
        self.journaling = journaling
        self.recordsCreatedState = recordsCreatedState
        self.returnedTypeIDs = returnedTypeIDs
        self.create = create
        self.restore = restore
        self.adopt = adopt
        self.checkpointLayout = checkpointLayout
    }

    package var isDurable: Bool { journaling != .none }
}
