import DurableWire

/// A proxy to something acquired and released: Lock, RLock, Semaphore, BoundedSemaphore,
/// Condition. Ownership is per task, as a Python lock's is per thread.
///
/// ```swift
/// let lock = try await manager.lock("printer")
/// try await lock.withLock {
///     try await printReport()
/// }
/// ```
public protocol AcquirerProxy: SharedObjectProxy {}

extension AcquirerProxy {
    /// Acquires, waiting up to `timeout` (`nil`: as long as it takes); with `blocking: false`
    /// it does not wait.
    /// - Returns: Whether it was acquired.
    @discardableResult
    public func acquire(blocking: Bool = true, timeout: Duration? = nil) async throws -> Bool {
        try handle.decode(Bool.self, from: try await handle.callMethod("acquire", [.bool(blocking), timeout.timeoutValue]))
    }

    /// Releases.
    /// - Throws: ``ManagerError`` `.notOwner` for a lock this task does not hold; `.valueError`
    ///   for a BoundedSemaphore released past its initial value.
    public func release() async throws {
        try await handle.call("release")
    }

    /// Runs `body` while holding this, and releases however `body` ends.
    public func withLock<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        try await acquire()
        do {
            let result = try await body()
            try await release()
            return result
        } catch {
            try? await release()
            throw error
        }
    }
}

/// A proxy to a shared `Lock`: one holder at a time, not re-entrant.
public struct LockProxy: AcquirerProxy {
    public static var typeID: String { "Lock" }
    public let handle: ProxyHandle
    public init(handle: ProxyHandle) { self.handle = handle }

    /// Whether anyone holds the lock.
    public func locked() async throws -> Bool {
        try await handle.call("locked", returning: Bool.self)
    }
}

/// A proxy to a shared `RLock`: its holder may acquire it again, and must release it as often.
public struct RLockProxy: AcquirerProxy {
    public static var typeID: String { "RLock" }
    public let handle: ProxyHandle
    public init(handle: ProxyHandle) { self.handle = handle }
}

/// A proxy to a shared `Semaphore`: a counter of permits.
public struct SemaphoreProxy: AcquirerProxy {
    public static var typeID: String { "Semaphore" }
    public let handle: ProxyHandle
    public init(handle: ProxyHandle) { self.handle = handle }

    /// Gives back `count` permits.
    public func release(_ count: Int) async throws {
        try await handle.call("release", count)
    }

    /// The permits available now.
    public func value() async throws -> Int {
        try await handle.call("get_value", returning: Int.self)
    }
}

/// A proxy to a shared `BoundedSemaphore`: releasing past the initial value is an error.
public struct BoundedSemaphoreProxy: AcquirerProxy {
    public static var typeID: String { "BoundedSemaphore" }
    public let handle: ProxyHandle
    public init(handle: ProxyHandle) { self.handle = handle }

    /// The permits available now.
    public func value() async throws -> Int {
        try await handle.call("get_value", returning: Int.self)
    }
}
