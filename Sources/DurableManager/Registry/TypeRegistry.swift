/// The types a manager can create, by type id.
///
/// Every type enters through here, the built-ins included: ``syncManager`` is the registry of
/// Python's `SyncManager`, and a custom manager starts from it, from some of it, or from an
/// empty one, and adds its own ``SharedType``s.
///
/// ```swift
/// let types = TypeRegistry.syncManager
///     .keeping(["dict", "Queue", "Lock"])
///     .registering(counter)
/// ```
public struct TypeRegistry: Sendable {
    private var types: [String: SharedObjectType] = [:]

    /// A registry with no type at all.
    public init() {}

    package init(_ types: [SharedObjectType]) {
        for type in types { register(type) }
    }

    /// Adds `type`, replacing an entry with the same type id.
    package mutating func register(_ type: SharedObjectType) {
        types[type.typeID] = type
    }

    /// Adds a custom type, replacing a type with the same type id.
    ///
    /// A durable custom type may not take a built-in's type id: journal readers (`durablectl`)
    /// would replay its records as the built-in's.
    public mutating func register<Object: AnyObject & SendableMetatype>(_ type: SharedType<Object>) {
        precondition(
            type.coding == nil || Self.syncManager[type.typeID] == nil,
            "a durable custom type cannot be named '\(type.typeID)', the type id of a built-in type"
        )
        register(CustomObject.objectType(type))
    }

    /// This registry with `type` added.
    public func registering<Object: AnyObject & SendableMetatype>(_ type: SharedType<Object>) -> TypeRegistry {
        var copy = self
        copy.register(type)
        return copy
    }

    /// This registry with only the types named in `typeIDs`: a manager that offers some of the
    /// built-ins.
    public func keeping(_ typeIDs: Set<String>) -> TypeRegistry {
        var copy = TypeRegistry()
        copy.types = types.filter { typeIDs.contains($0.key) }
        return copy
    }

    package subscript(typeID: String) -> SharedObjectType? {
        types[typeID]
    }

    /// The type ids methods say they return that no entry registers, each with its method's type.
    package var unregisteredReturnedTypes: [(typeID: String, returnedBy: String)] {
        types.values.flatMap { type in
            type.returnedTypeIDs.filter { types[$0] == nil }.map { ($0, type.typeID) }
        }
        .sorted { $0.typeID < $1.typeID }
    }

    /// Every registered type id, sorted.
    public var typeIDs: [String] { types.keys.sorted() }

    /// Python's `SyncManager` types: dict, list, Namespace, Value, Queue, JoinableQueue, Lock,
    /// RLock, Semaphore, BoundedSemaphore, Condition, Event and Barrier; and WorkQueue, a queue
    /// of jobs under leases that Python's managers lack.
    public static let syncManager = TypeRegistry([
        SharedDict.type, SharedList.type, SharedNamespace.type, SharedValue.type,
        SharedQueue.type, SharedQueue.joinableType, SharedWorkQueue.type,
        SharedLock.type, SharedLock.reentrantType, SharedSemaphore.type, SharedSemaphore.boundedType,
        SharedCondition.type, SharedEvent.type, SharedBarrier.type,
    ])
}
