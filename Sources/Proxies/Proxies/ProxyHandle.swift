public import DurableWire

/// What every proxy holds: a reference to one object in the manager, and the connection to it.
///
/// Proxies are small structs; copies share one handle. When the last copy goes away the handle
/// tells the manager, so that an anonymous object lives exactly while a proxy anywhere refers to
/// it (or another object holds it), as in Python.
///
/// A custom proxy calls methods through it:
///
/// ```swift
/// struct CounterProxy: SharedObjectProxy {
///     static let typeID = "Counter"
///     let handle: ProxyHandle
///     init(handle: ProxyHandle) { self.handle = handle }
///     func increment(by step: Int) async throws -> Int {
///         try await handle.call("increment", step, returning: Int.self)
///     }
/// }
/// ```
public final class ProxyHandle: Sendable {
    /// The object this proxy stands for.
    public let reference: ObjectReference
    /// The connection calls go through.
    public let connection: ManagerConnection

    init(reference: ObjectReference, connection: ManagerConnection) {
        self.reference = reference
        self.connection = connection
        connection.retain(reference.id)
    }

    deinit {
        connection.release(reference.id)
    }

    /// Calls `method` with raw values; Python's `_callmethod`.
    /// - Throws: ``ManagerError`` from the manager.
    public func callMethod(_ method: String, _ arguments: [Value] = []) async throws(ManagerError) -> Value {
        try await connection.call(reference.id, method, arguments)
    }

    /// Calls `method` with `Encodable` arguments and ignores the result.
    /// - Throws: ``ManagerError`` from the manager, `EncodingError` for an argument.
    public func call(_ method: String, _ arguments: any Encodable...) async throws {
        _ = try await callMethod(method, arguments.map { try encode($0) })
    }

    /// Calls `method` with `Encodable` arguments and decodes the result as `type`.
    /// - Throws: ``ManagerError`` from the manager, `EncodingError` or `DecodingError`.
    public func call<Result: Decodable>(_ method: String, _ arguments: any Encodable..., returning type: Result.Type) async throws -> Result {
        try decode(type, from: try await callMethod(method, arguments.map { try encode($0) }))
    }

    /// Turns a client value into a ``Value``; proxies inside it become references.
    public func encode(_ value: any Encodable) throws -> Value {
        try ValueEncoder().encode(value)
    }

    /// Turns a ``Value`` from the manager into a client type; references inside it become
    /// working proxies on this connection.
    public func decode<T: Decodable>(_ type: T.Type, from value: Value) throws -> T {
        try connection.decoder.decode(type, from: value)
    }
}

extension ProxyHandle {
    /// A handle for the reference `decoder` holds, on the connection of the reply it decodes.
    /// - Parameter typeID: The type the reference must be of; nil for any.
    convenience init(from decoder: any Decoder, typeID: String?) throws {
        let reference = try decoder.singleValueContainer().decode(ObjectReference.self)
        guard let connection = decoder.userInfo[ManagerConnection.userInfoKey] as? ManagerConnection else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "a proxy can only be decoded from a manager's reply, which carries the connection"
            ))
        }
        if let typeID, reference.typeID != typeID {
            throw DecodingError.typeMismatch(ProxyHandle.self, .init(
                codingPath: decoder.codingPath,
                debugDescription: "the reference is to a \(reference.typeID), not a \(typeID)"
            ))
        }
        self.init(reference: reference, connection: connection)
    }

    /// Writes the reference, as every proxy encodes itself.
    func encodeReference(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(reference)
    }
}
