public import DurableWire

/// A proxy to a shared `Condition`.
///
/// ```swift
/// let ready = try await manager.condition()
/// try await ready.withLock {
///     _ = try await ready.wait(for: { try await results.count() > 0 }, timeout: .seconds(10))
/// }
/// ```
public struct ConditionProxy: AcquirerProxy {
    public static var typeID: String { "Condition" }
    public let handle: ProxyHandle
    public init(handle: ProxyHandle) { self.handle = handle }

    /// Gives up the lock, waits to be notified (up to `timeout`), and takes the lock back.
    /// - Returns: `true` when notified, `false` when the timeout passed.
    /// - Throws: ``ManagerError`` `.notOwner` when this task does not hold the lock.
    @discardableResult
    public func wait(timeout: Duration? = nil) async throws(ManagerError) -> Bool {
        try handle.decode(Bool.self, from: try await handle.callMethod("wait", [timeout.timeoutValue]))
    }

    /// Waits until `predicate` holds, checking it after each notify, up to `timeout` in all.
    /// The predicate runs here, in the client, as Python's proxy runs it.
    /// - Returns: The predicate's last answer.
    /// - Throws: ``ManagerError`` from a wait, or what `predicate` throws.
    public func wait(for predicate: () async throws -> Bool, timeout: Duration? = nil) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now + $0 }
        while true {
            if try await predicate() { return true }
            let remaining = deadline.map { clock.now.duration(to: $0) }
            if let remaining, remaining <= .zero { return try await predicate() }
            try await wait(timeout: remaining)
        }
    }

    /// Wakes up to `count` waiters.
    /// - Throws: ``ManagerError`` `.notOwner` when this task does not hold the lock.
    public func notify(_ count: Int = 1) async throws(ManagerError) {
        try await handle.call("notify", count)
    }

    /// Wakes every waiter.
    public func notifyAll() async throws(ManagerError) {
        try await handle.call("notify_all")
    }
}
