package import DurableWire

/// One entry of the ``TypeRegistry``: how to create a type and which methods it offers.
///
/// The built-in types are entries like any other; a custom manager adds its own.
package struct SharedObjectType: Sendable {
    /// What the object needs at creation besides its arguments.
    package struct CreationContext {
        /// Finds another object that an argument refers to (a Condition's lock).
        package let resolve: (ObjectReference) throws(ManagerError) -> any SharedObject
    }

    /// The registered name: `dict`, `Queue`, `Lock`...
    package let typeID: String
    /// The methods a client may call; any other name is refused with `NotExposed`.
    package let exposed: Set<String>
    /// The exposed methods that change the object's state: the ones the journal records.
    package let mutating: Set<String>
    /// Builds a new object from the creation call's arguments.
    package let create: @Sendable (Arguments, CreationContext) throws(ManagerError) -> any SharedObject

    package init(
        typeID: String,
        exposed: Set<String>,
        mutating: Set<String> = [],
        create: @escaping @Sendable (Arguments, CreationContext) throws(ManagerError) -> any SharedObject
    ) {
        self.typeID = typeID
        self.exposed = exposed
        self.mutating = mutating
        self.create = create
    }
}
