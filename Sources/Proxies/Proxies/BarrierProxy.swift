public import DurableWire

/// A proxy to a shared `Barrier`: `wait` returns once `parties` callers have arrived.
///
/// ```swift
/// let phase = try await manager.barrier("phase", parties: 4)
/// let index = try await phase.wait()   // 0 for the first to arrive
/// ```
public struct BarrierProxy: SharedObjectProxy {
    public static var typeID: String { "Barrier" }
    public let handle: ProxyHandle
    public init(handle: ProxyHandle) { self.handle = handle }

    /// Waits for the other parties, up to `timeout` (the barrier's own by default).
    /// - Returns: This caller's arrival index, from 0 to `parties - 1`.
    /// - Throws: ``ManagerError`` `.brokenBarrier` when the barrier is broken, aborted or reset,
    ///   or a wait timed out (which breaks it).
    @discardableResult
    public func wait(timeout: Duration? = nil) async throws(ManagerError) -> Int {
        try handle.decode(Int.self, from: try await handle.callMethod("wait", [timeout.timeoutValue]))
    }

    /// Breaks the barrier for current waiters and makes it whole again for new ones.
    public func reset() async throws(ManagerError) { try await handle.call("reset") }

    /// Breaks the barrier: current and future waiters get `.brokenBarrier` until `reset`.
    public func abort() async throws(ManagerError) { try await handle.call("abort") }

    /// The number of callers needed to pass.
    public func parties() async throws(ManagerError) -> Int { try await handle.call("parties", returning: Int.self) }

    /// The number of callers waiting now.
    public func nWaiting() async throws(ManagerError) -> Int { try await handle.call("n_waiting", returning: Int.self) }

    /// Whether the barrier is broken.
    public func isBroken() async throws(ManagerError) -> Bool { try await handle.call("broken", returning: Bool.self) }
}
