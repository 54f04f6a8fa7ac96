/// Names one shared object in a manager: its id and its registered type.
///
/// A reference is what a proxy holds and what a dict or list stores when a proxy is put into it.
/// The upper bits of an id hold the manager epoch that created the object, so a reference to an
/// in-memory primitive from an earlier run can be told apart from an id that never existed.
public struct ObjectReference: Sendable, Hashable, CustomStringConvertible {
    /// The object's id, unique for the life of a manager's state.
    public var id: UInt64
    /// The registered type id, such as `dict`, `Queue` or a custom type's id.
    public var typeID: String

    /// Creates a reference.
    /// - Parameters:
    ///   - id: The object's id.
    ///   - typeID: The registered type id of the object.
    public init(id: UInt64, typeID: String) {
        self.id = id
        self.typeID = typeID
    }

    /// How many low bits of an id count objects; the bits above them hold the epoch.
    public static let epochShift: UInt64 = 40

    /// The manager epoch in which this object was created.
    public var epoch: UInt64 { id >> Self.epochShift }

    public var description: String { "<\(typeID) #\(id)>" }
}
