/// The types a manager can create, by type id.
///
/// Every type enters through here, the built-ins included: ``syncManager`` is the registry of
/// Python's `SyncManager`, and a custom manager starts from it (or from an empty one) and adds
/// its own entries.
package struct TypeRegistry: Sendable {
    private var types: [String: SharedObjectType] = [:]

    package init(_ types: [SharedObjectType] = []) {
        for type in types { register(type) }
    }

    /// Adds `type`, replacing an entry with the same type id.
    package mutating func register(_ type: SharedObjectType) {
        types[type.typeID] = type
    }

    package subscript(typeID: String) -> SharedObjectType? {
        types[typeID]
    }

    /// Every registered type id, sorted, for error messages and `ping`.
    package var typeIDs: [String] { types.keys.sorted() }

    /// Python's `SyncManager` types.
    package static let syncManager = TypeRegistry([
        SharedDict.type, SharedList.type, SharedNamespace.type, SharedValue.type,
        SharedQueue.type, SharedQueue.joinableType,
        SharedLock.type, SharedLock.reentrantType, SharedSemaphore.type, SharedSemaphore.boundedType,
        SharedCondition.type, SharedEvent.type, SharedBarrier.type,
    ])
}
