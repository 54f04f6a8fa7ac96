import DurableWire

/// Python's `SyncManager` factory methods, each with an optional name to open or create.
extension SyncManager {
    /// A shared `dict`.
    public func dict<Key, Element>(_ name: String? = nil) async throws -> DictProxy<Key, Element> {
        try await open(DictProxy<Key, Element>.self, name: name)
    }

    /// A shared `list`, holding `initial` when it is new.
    public func list<Element>(_ name: String? = nil, initial: [Element] = []) async throws -> ListProxy<Element> {
        try await open(ListProxy<Element>.self, name: name, arguments: initial.isEmpty ? [] : [try ValueEncoder().encode(initial)])
    }

    /// A shared `Namespace`.
    public func namespace(_ name: String? = nil) async throws -> NamespaceProxy {
        try await open(NamespaceProxy.self, name: name)
    }

    /// A shared `Value` holding `initial` when it is new.
    public func value<Wrapped>(_ name: String? = nil, _ initial: Wrapped) async throws -> ValueProxy<Wrapped> {
        try await open(ValueProxy<Wrapped>.self, name: name, arguments: [try ValueEncoder().encode(initial)])
    }

    /// A shared `Queue`; `maxsize` 0 is unbounded.
    public func queue<Element>(_ name: String? = nil, maxsize: Int = 0) async throws -> QueueProxy<Element> {
        try await open(QueueProxy<Element>.self, name: name, arguments: [.int(Int64(maxsize))])
    }

    /// A shared `JoinableQueue`; `maxsize` 0 is unbounded.
    public func joinableQueue<Element>(_ name: String? = nil, maxsize: Int = 0) async throws -> JoinableQueueProxy<Element> {
        try await open(JoinableQueueProxy<Element>.self, name: name, arguments: [.int(Int64(maxsize))])
    }

    /// A shared `Lock`.
    public func lock(_ name: String? = nil) async throws -> LockProxy {
        try await open(LockProxy.self, name: name)
    }

    /// A shared `RLock`.
    public func rLock(_ name: String? = nil) async throws -> RLockProxy {
        try await open(RLockProxy.self, name: name)
    }

    /// A shared `Semaphore` with `value` permits.
    public func semaphore(_ name: String? = nil, value: Int = 1) async throws -> SemaphoreProxy {
        try await open(SemaphoreProxy.self, name: name, arguments: [.int(Int64(value))])
    }

    /// A shared `BoundedSemaphore` with `value` permits.
    public func boundedSemaphore(_ name: String? = nil, value: Int = 1) async throws -> BoundedSemaphoreProxy {
        try await open(BoundedSemaphoreProxy.self, name: name, arguments: [.int(Int64(value))])
    }

    /// A shared `Condition` over `lock` (a ``LockProxy`` or ``RLockProxy``), or its own RLock.
    public func condition(_ name: String? = nil, lock: (any AcquirerProxy)? = nil) async throws -> ConditionProxy {
        try await open(ConditionProxy.self, name: name, arguments: lock.map { [.reference($0.reference)] } ?? [])
    }

    /// A shared `Event`.
    public func event(_ name: String? = nil) async throws -> EventProxy {
        try await open(EventProxy.self, name: name)
    }

    /// A shared `Barrier` for `parties` callers, with a default `timeout` for its waits.
    public func barrier(_ name: String? = nil, parties: Int, timeout: Duration? = nil) async throws -> BarrierProxy {
        try await open(BarrierProxy.self, name: name, arguments: [.int(Int64(parties)), timeout.timeoutValue])
    }
}
