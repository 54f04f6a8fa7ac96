public import DurableWire

/// A proxy to something acquired and released: Lock, RLock, Semaphore, BoundedSemaphore,
/// Condition. Ownership is per task, as a Python lock's is per thread.
///
/// ```swift
/// import Proxies
///
/// func printReport() async throws {}
///
/// let manager = try await SyncManager.connect()
/// let lock = try await manager.lock("printer")
/// try await lock.withLock {
///     try await printReport()
/// }
/// ```
///
/// Locks live in the manager's memory: a restart of the manager frees them. A proxy to a
/// named one opens the lock of that name in the new run by itself; a holder learns that its
/// hold ended through ``SyncManager/events`` (``ConnectionEvent/Kind/lockLostInRestart``).
public protocol AcquirerProxy: SharedObjectProxy {}

extension AcquirerProxy {
    /// Acquires, waiting up to `timeout` (`nil`: as long as it takes); with `blocking: false`
    /// it does not wait.
    /// - Returns: Whether it was acquired.
    @discardableResult
    public func acquire(blocking: Bool = true, timeout: Duration? = nil) async throws(ManagerError) -> Bool {
        try await acquireReply(blocking: blocking, timeout: timeout) != nil
    }

    /// Acquires, and returns what the manager answered: a Lock's or RLock's fencing token, true
    /// for the others; nil when it was not acquired.
    func acquireReply(blocking: Bool, timeout: Duration?) async throws(ManagerError) -> Value? {
        let reply = try await handle.callMethod("acquire", [.bool(blocking), timeout.timeoutValue])
        switch reply {
        case .bool(false): return nil
        case .bool(true), .int: return reply
        default: throw ManagerError(.wrongType, "acquire answered \(reply), not a bool or a fencing token")
        }
    }

    /// Releases.
    /// - Throws: ``ManagerError`` `.notOwner` for a lock this task does not hold; `.valueError`
    ///   for a BoundedSemaphore released past its initial value.
    public func release() async throws(ManagerError) {
        try await handle.call("release")
    }

    /// Runs `body` while holding this, and releases however `body` ends.
    ///
    /// Once `body` has run, its result is returned (or its error thrown) whatever becomes of
    /// the release, so a caller that retries on failure never runs the body twice: a release
    /// that cannot happen because the manager restarted meanwhile (which freed the lock) is
    /// reported as ``ConnectionEvent/Kind/lockLostInRestart`` on ``SyncManager/events``, and a
    /// release lost with a dropped connection is sent again once it is back.
    /// - Throws: ``ManagerError`` when the acquire fails (the body did not run), or what `body` throws.
    public func withLock<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        try await holding { _ in try await body() }
    }

    /// Acquires, runs `body` with what the acquire answered, and releases as ``withLock(_:)``
    /// describes.
    func holding<Result: Sendable>(_ body: (Value) async throws -> Result) async throws -> Result {
        guard let reply = try await acquireReply(blocking: true, timeout: nil) else {
            throw ManagerError(.protocolError, "a blocking acquire with no timeout came back without the lock")
        }
        let epoch = handle.connection.epoch
        let result: Result
        do {
            result = try await body(reply)
        } catch {
            await releaseHeld(since: epoch)
            throw error
        }
        await releaseHeld(since: epoch)
        return result
    }

    /// Releases what `withLock` acquired in run `epoch` of the manager, and reports rather than
    /// throws what keeps the release from happening.
    private func releaseHeld(since epoch: UInt64) async {
        var resent = false
        while true {
            do {
                try await release()
                return
            } catch where handle.connection.epoch != epoch {
                // The lock belonged to a run of the manager that is gone: the restart released it.
                handle.connection.report(ConnectionEvent(
                    kind: .lockLostInRestart, epoch: handle.connection.epoch, previousEpoch: epoch, object: reference,
                    message: "\(reference.typeID) \(handle.name.map { "'\($0)'" } ?? "\(reference)") was released by a restart of the manager while withLock's body ran; another process may have held it meanwhile"
                ))
                return
            } catch where error.code == .connectionLost && !resent {
                resent = true
            } catch {
                // A release sent again after a drop finds the first one went through (NotOwner),
                // or the connection did not come back: either way the body's outcome stands.
                return
            }
        }
    }
}

/// A proxy to a lock whose acquire yields a ``FencingToken``: a Lock or an RLock.
public protocol FencedLockProxy: AcquirerProxy {}

extension FencedLockProxy {
    /// Runs `body` while holding the lock, with the fencing token this acquire got; releases as
    /// ``AcquirerProxy/withLock(_:)`` does.
    public func withLock<Result: Sendable>(_ body: (FencingToken) async throws -> Result) async throws -> Result {
        try await holding { reply in try await body(try Self.token(reply)) }
    }

    /// Acquires, waiting up to `timeout` (`nil`: as long as it takes); with `blocking: false`
    /// it does not wait.
    /// - Returns: The acquire's fencing token, or nil when it was not acquired.
    public func acquireToken(blocking: Bool = true, timeout: Duration? = nil) async throws(ManagerError) -> FencingToken? {
        guard let reply = try await acquireReply(blocking: blocking, timeout: timeout) else { return nil }
        return try Self.token(reply)
    }

    private static func token(_ reply: Value) throws(ManagerError) -> FencingToken {
        guard case .int(let token) = reply else {
            throw ManagerError(.wrongType, "the \(typeID)'s acquire answered \(reply), not a fencing token: is the manager older than this client?")
        }
        return FencingToken(token)
    }
}

/// A proxy to a shared `Lock`: one holder at a time, not re-entrant.
public struct LockProxy: FencedLockProxy {
    public static var typeID: String { "Lock" }
    public let handle: ProxyHandle
    public init(handle: ProxyHandle) { self.handle = handle }

    /// Whether anyone holds the lock.
    public func locked() async throws(ManagerError) -> Bool {
        try await handle.call("locked", returning: Bool.self)
    }
}

/// A proxy to a shared `RLock`: its holder may acquire it again, and must release it as often.
public struct RLockProxy: FencedLockProxy {
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
    public func release(_ count: Int) async throws(ManagerError) {
        try await handle.call("release", count)
    }

    /// The permits available now.
    public func value() async throws(ManagerError) -> Int {
        try await handle.call("get_value", returning: Int.self)
    }
}

/// A proxy to a shared `BoundedSemaphore`: releasing past the initial value is an error.
public struct BoundedSemaphoreProxy: AcquirerProxy {
    public static var typeID: String { "BoundedSemaphore" }
    public let handle: ProxyHandle
    public init(handle: ProxyHandle) { self.handle = handle }

    /// The permits available now.
    public func value() async throws(ManagerError) -> Int {
        try await handle.call("get_value", returning: Int.self)
    }
}
