public import DurableWire

/// Python's `SyncManager` factory methods, each with an optional name to open or create.
///
/// The element types are inferred from the proxy's declared type, or named at the call:
///
/// ```swift
/// import Proxies
///
/// struct Job: Codable, Sendable { var id: Int }
///
/// let manager = try await SyncManager.connect()
/// let jobs = try await manager.queue("jobs", of: Job.self)
/// let status = try await manager.dict("status", keys: Int.self, values: String.self)
/// let visits = try await manager.value("visits", default: 0)
/// let done: ListProxy<Int> = try await manager.list("done")
/// ```
extension SyncManager {
    /// A shared `dict`.
    public func dict<Key, Element>(_ name: String? = nil) async throws(ManagerError) -> DictProxy<Key, Element> {
        try await open(DictProxy<Key, Element>.self, name: name)
    }

    /// A shared `dict` of `Key` to `Element`, named at the call.
    public func dict<Key, Element>(_ name: String? = nil, keys: Key.Type, values: Element.Type) async throws(ManagerError) -> DictProxy<Key, Element> {
        try await dict(name)
    }

    /// A shared `list`, holding `initial` when it is new.
    public func list<Element>(_ name: String? = nil, initial: [Element] = []) async throws(ManagerError) -> ListProxy<Element> {
        let arguments = initial.isEmpty ? [] : [try encodeArgument(initial)]
        return try await open(ListProxy<Element>.self, name: name, arguments: arguments)
    }

    /// A shared `list` of `Element`, named at the call.
    public func list<Element>(_ name: String? = nil, of element: Element.Type, initial: [Element] = []) async throws(ManagerError) -> ListProxy<Element> {
        try await list(name, initial: initial)
    }

    /// A shared `Namespace`.
    public func namespace(_ name: String? = nil) async throws(ManagerError) -> NamespaceProxy {
        try await open(NamespaceProxy.self, name: name)
    }

    /// A shared `Value` holding `initial` when it is new.
    public func value<Wrapped>(_ name: String? = nil, _ initial: Wrapped) async throws(ManagerError) -> ValueProxy<Wrapped> {
        try await open(ValueProxy<Wrapped>.self, name: name, arguments: [try encodeArgument(initial)])
    }

    /// A shared `Value` that holds `initial` when it is new; its type is `initial`'s.
    public func value<Wrapped>(_ name: String? = nil, default initial: Wrapped) async throws(ManagerError) -> ValueProxy<Wrapped> {
        try await value(name, initial)
    }

    /// A shared `Queue`; `maxsize` 0 is unbounded.
    public func queue<Element>(_ name: String? = nil, maxsize: Int = 0) async throws(ManagerError) -> QueueProxy<Element> {
        try await open(QueueProxy<Element>.self, name: name, arguments: [.int(Int64(maxsize))])
    }

    /// A shared `Queue` of `Element`, named at the call; `maxsize` 0 is unbounded.
    public func queue<Element>(_ name: String? = nil, of element: Element.Type, maxsize: Int = 0) async throws(ManagerError) -> QueueProxy<Element> {
        try await queue(name, maxsize: maxsize)
    }

    /// A shared `JoinableQueue`; `maxsize` 0 is unbounded.
    public func joinableQueue<Element>(_ name: String? = nil, maxsize: Int = 0) async throws(ManagerError) -> JoinableQueueProxy<Element> {
        try await open(JoinableQueueProxy<Element>.self, name: name, arguments: [.int(Int64(maxsize))])
    }

    /// A shared `JoinableQueue` of `Element`, named at the call; `maxsize` 0 is unbounded.
    public func joinableQueue<Element>(_ name: String? = nil, of element: Element.Type, maxsize: Int = 0) async throws(ManagerError) -> JoinableQueueProxy<Element> {
        try await joinableQueue(name, maxsize: maxsize)
    }

    /// A shared `WorkQueue`: jobs under leases, each delivered until it is acked or
    /// `maxDeliveries` times. `lease` and `maxDeliveries` set up a new queue; opening an existing
    /// one keeps its own.
    public func workQueue<Job>(_ name: String? = nil, lease: Duration = .seconds(30), maxDeliveries: Int = 5) async throws(ManagerError) -> WorkQueueProxy<Job> {
        try await open(WorkQueueProxy<Job>.self, name: name, arguments: [Optional(lease).timeoutValue, .int(Int64(maxDeliveries))])
    }

    /// A shared `WorkQueue` of `Job`, named at the call.
    public func workQueue<Job>(_ name: String? = nil, of job: Job.Type, lease: Duration = .seconds(30), maxDeliveries: Int = 5) async throws(ManagerError) -> WorkQueueProxy<Job> {
        try await workQueue(name, lease: lease, maxDeliveries: maxDeliveries)
    }

    /// A shared `Lock`.
    public func lock(_ name: String? = nil) async throws(ManagerError) -> LockProxy {
        try await open(LockProxy.self, name: name)
    }

    /// A shared `RLock`.
    public func rLock(_ name: String? = nil) async throws(ManagerError) -> RLockProxy {
        try await open(RLockProxy.self, name: name)
    }

    /// A shared `Semaphore` with `value` permits.
    public func semaphore(_ name: String? = nil, value: Int = 1) async throws(ManagerError) -> SemaphoreProxy {
        try await open(SemaphoreProxy.self, name: name, arguments: [.int(Int64(value))])
    }

    /// A shared `BoundedSemaphore` with `value` permits.
    public func boundedSemaphore(_ name: String? = nil, value: Int = 1) async throws(ManagerError) -> BoundedSemaphoreProxy {
        try await open(BoundedSemaphoreProxy.self, name: name, arguments: [.int(Int64(value))])
    }

    /// A shared `Condition` over `lock` (a ``LockProxy`` or ``RLockProxy``), or its own RLock.
    public func condition(_ name: String? = nil, lock: (any AcquirerProxy)? = nil) async throws(ManagerError) -> ConditionProxy {
        try await open(ConditionProxy.self, name: name, arguments: lock.map { [.reference($0.reference)] } ?? [])
    }

    /// A shared `Event`.
    public func event(_ name: String? = nil) async throws(ManagerError) -> EventProxy {
        try await open(EventProxy.self, name: name)
    }

    /// A shared `Barrier` for `parties` callers, with a default `timeout` for its waits.
    public func barrier(_ name: String? = nil, parties: Int, timeout: Duration? = nil) async throws(ManagerError) -> BarrierProxy {
        try await open(BarrierProxy.self, name: name, arguments: [.int(Int64(parties)), timeout.timeoutValue])
    }
}
