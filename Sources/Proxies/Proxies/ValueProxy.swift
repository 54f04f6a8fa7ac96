public import DurableWire

/// A proxy to a shared `Value`: one value, read and written whole.
///
/// ```swift
/// let done: ValueProxy<Int> = try await manager.value("done", 0)
/// try await done.set(try await done.get() + 1)
/// ```
public struct ValueProxy<Wrapped: Codable & Sendable>: SharedObjectProxy {
    public static var typeID: String { "Value" }
    public let handle: ProxyHandle
    public init(handle: ProxyHandle) { self.handle = handle }

    public func get() async throws(ManagerError) -> Wrapped { try await handle.call("get", returning: Wrapped.self) }

    public func set(_ value: Wrapped) async throws(ManagerError) { try await handle.call("set", value) }
}
