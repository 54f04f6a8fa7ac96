public import DurableWire

/// A proxy to a shared `Event`: a flag that other processes wait for.
///
/// ```swift
/// let started = try await manager.event("started")
/// _ = try await started.wait(timeout: .seconds(30))
/// ```
public struct EventProxy: SharedObjectProxy {
    public static var typeID: String { "Event" }
    public let handle: ProxyHandle
    public init(handle: ProxyHandle) { self.handle = handle }

    /// Sets the flag and wakes every waiter.
    public func set() async throws(ManagerError) { try await handle.call("set") }

    /// Clears the flag.
    public func clear() async throws(ManagerError) { try await handle.call("clear") }

    /// Whether the flag is set.
    public func isSet() async throws(ManagerError) -> Bool { try await handle.call("is_set", returning: Bool.self) }

    /// Waits until the flag is set, up to `timeout`.
    /// - Returns: `true` when set, `false` when the timeout passed.
    @discardableResult
    public func wait(timeout: Duration? = nil) async throws(ManagerError) -> Bool {
        try handle.decode(Bool.self, from: try await handle.callMethod("wait", [timeout.timeoutValue]))
    }
}
