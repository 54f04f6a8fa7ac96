public import DurableWire

/// A proxy to an object of any type, which calls any method the object exposes by name:
/// Python's `AutoProxy` and its `_callmethod`.
///
/// ```swift
/// let foo = try await manager.create("Foo")
/// try await foo.call("bar")
/// let total = try await foo.call("add", 2, 3, returning: Int.self)
/// ```
///
/// The manager refuses a method the type does not expose with `NotExposed`, naming the method
/// and the type. Write a typed proxy instead (a ``SharedObjectProxy`` over a ``ProxyHandle``)
/// for methods checked by the compiler.
public struct AutoProxy: Sendable, Codable {
    /// The handle that carries the reference and the connection.
    public let handle: ProxyHandle

    init(handle: ProxyHandle) {
        self.handle = handle
    }

    /// The object's reference in the manager.
    public var reference: ObjectReference { handle.reference }

    /// The object's registered type id.
    public var typeID: String { handle.reference.typeID }

    /// Calls `method` with raw values and returns the raw result; Python's `_callmethod`.
    /// - Throws: ``ManagerError`` from the manager (`NotExposed` for a method the type does not offer).
    public func callMethod(_ method: String, _ arguments: [Value] = []) async throws(ManagerError) -> Value {
        try await handle.callMethod(method, arguments)
    }

    /// Calls `method` with `Encodable` arguments and ignores the result.
    public func call(_ method: String, _ arguments: any Encodable...) async throws(ManagerError) {
        _ = try await handle.callMethod(method, try arguments.map { (argument) throws(ManagerError) in try handle.encode(argument) })
    }

    /// Calls `method` with `Encodable` arguments and decodes the result as `type`: a proxy
    /// type (``AutoProxy`` or a typed one) when the method returns a shared object.
    public func call<Result: Decodable>(_ method: String, _ arguments: any Encodable..., returning type: Result.Type) async throws(ManagerError) -> Result {
        let values = try arguments.map { (argument) throws(ManagerError) in try handle.encode(argument) }
        return try handle.decode(type, from: try await handle.callMethod(method, values))
    }

    /// Writes the reference, which is what a manager stores for a proxy.
    public func encode(to encoder: any Encoder) throws {
        try handle.encodeReference(to: encoder)
    }

    /// Reads a reference of any type from a manager's reply.
    public init(from decoder: any Decoder) throws {
        self.init(handle: try ProxyHandle(from: decoder, typeID: nil))
    }
}
