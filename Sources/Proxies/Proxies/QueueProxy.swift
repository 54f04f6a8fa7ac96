public import DurableWire

/// A proxy to a shared `Queue`: FIFO, optionally bounded, blocking `put` and `get`.
///
/// A blocked `get` waits in the manager, not in a thread, and holds up no other call on the
/// same connection.
///
/// ```swift
/// let jobs: QueueProxy<Job> = try await manager.queue("jobs", maxsize: 100)
/// try await jobs.put(job)
/// let next = try await jobs.get(timeout: .seconds(5))   // throws Empty after 5 s
/// ```
public struct QueueProxy<Element: Codable & Sendable>: QueueProxyProtocol {
    public static var typeID: String { "Queue" }
    public let handle: ProxyHandle
    public init(handle: ProxyHandle) { self.handle = handle }
}

/// A proxy to a shared `JoinableQueue`: a queue whose consumers mark items done, so that a
/// producer can `join` until every item put has been processed.
public struct JoinableQueueProxy<Element: Codable & Sendable>: QueueProxyProtocol {
    public static var typeID: String { "JoinableQueue" }
    public let handle: ProxyHandle
    public init(handle: ProxyHandle) { self.handle = handle }

    /// Marks one item taken with `get` as processed.
    /// - Throws: ``ManagerError`` `.valueError` when called more times than items were put.
    public func taskDone() async throws(ManagerError) {
        try await handle.call("task_done")
    }

    /// Waits until every item put has been marked done.
    public func join() async throws(ManagerError) {
        try await handle.call("join")
    }
}

/// The methods `Queue` and `JoinableQueue` share.
public protocol QueueProxyProtocol: SharedObjectProxy {
    associatedtype Element: Codable & Sendable
}

extension QueueProxyProtocol {
    /// Puts `item` at the back. On a full bounded queue it waits for room, up to `timeout`
    /// (`nil`: as long as it takes); with `block: false` it does not wait.
    /// - Throws: ``ManagerError`` `.full` when there is no room in time.
    public func put(_ item: Element, block: Bool = true, timeout: Duration? = nil) async throws(ManagerError) {
        _ = try await handle.callMethod("put", [try handle.encode(item), .bool(block), timeout.timeoutValue])
    }

    /// Takes the item at the front. On an empty queue it waits for one, up to `timeout`
    /// (`nil`: as long as it takes); with `block: false` it does not wait.
    /// - Throws: ``ManagerError`` `.empty` when no item came in time.
    public func get(block: Bool = true, timeout: Duration? = nil) async throws(ManagerError) -> Element {
        try handle.decode(Element.self, from: try await handle.callMethod("get", [.bool(block), timeout.timeoutValue]))
    }

    /// Puts without waiting.
    /// - Throws: ``ManagerError`` `.full` when the queue is full.
    public func putNowait(_ item: Element) async throws(ManagerError) {
        try await handle.call("put_nowait", item)
    }

    /// Takes without waiting.
    /// - Throws: ``ManagerError`` `.empty` when the queue is empty.
    public func getNowait() async throws(ManagerError) -> Element {
        try await handle.call("get_nowait", returning: Element.self)
    }

    /// The number of items waiting.
    public func qsize() async throws(ManagerError) -> Int {
        try await handle.call("qsize", returning: Int.self)
    }

    public func empty() async throws(ManagerError) -> Bool {
        try await handle.call("empty", returning: Bool.self)
    }

    /// Whether a bounded queue is at its maxsize.
    public func full() async throws(ManagerError) -> Bool {
        try await handle.call("full", returning: Bool.self)
    }
}
