/// How a type's checkpoint lies in the journal's tables: each shared type declares its own
/// (``SharedObjectType/checkpointLayout``), and the journal reads and moves rows by it.
package enum CheckpointLayout: Sendable, Hashable {
    /// The whole state in the object's row (primitives' none, custom types', a Namespace's...).
    case whole
    /// A dict's entries in blocks of `[position, key, value, ...]`; the object's row holds no state.
    case dictEntries
    /// A list's or a queue's items in blocks of `[first position, item, ...]`; the object's row
    /// holds the rest of its state.
    case items

    /// The layout of `typeID`'s rows: its built-in type's, or `whole` for a type this build
    /// does not know (a custom manager's, which keeps its state whole).
    static func of(_ typeID: String) -> CheckpointLayout {
        TypeRegistry.syncManager[typeID]?.checkpointLayout ?? .whole
    }
}
