public import DurableWire
import Synchronization

/// What every proxy holds: a reference to one object in the manager, and the connection to it.
///
/// Proxies are small structs; copies share one handle. When the last copy goes away the handle
/// tells the manager, so that an anonymous object lives exactly while a proxy anywhere refers to
/// it (or another object holds it), as in Python.
///
/// A handle to a named object also keeps its name: when the manager restarted and the object was
/// an in-memory one (a Lock, an Event...), which a restart loses, the next call opens the object
/// of that name in the new run and goes on, so a proxy to a named object always works.
///
/// A custom proxy calls methods through it:
///
/// ```swift
/// import Proxies
///
/// struct CounterProxy: SharedObjectProxy {
///     static let typeID = "Counter"
///     let handle: ProxyHandle
///     init(handle: ProxyHandle) { self.handle = handle }
///     func increment(by step: Int) async throws(ManagerError) -> Int {
///         try await handle.call("increment", step, returning: Int.self)
///     }
/// }
/// ```
public final class ProxyHandle: Sendable {
    /// The connection calls go through.
    public let connection: ManagerConnection
    /// The object's name, for a named object; what a restart does not lose.
    public let name: String?
    /// The creator's arguments, which open the named object again if the restart lost it.
    private let creationArguments: [Value]
    private let current: Mutex<ObjectReference>

    /// The object this proxy stands for: after a restart of the manager, for a named in-memory
    /// object, the one of that name in the new run.
    public var reference: ObjectReference { current.withLock { $0 } }

    init(reference: ObjectReference, connection: ManagerConnection, name: String? = nil, creationArguments: [Value] = []) {
        self.current = Mutex(reference)
        self.connection = connection
        self.name = name
        self.creationArguments = creationArguments
        connection.retain(reference.id)
    }

    deinit {
        connection.release(reference.id)
    }

    /// Calls `method` with raw values; Python's `_callmethod`.
    /// - Throws: ``ManagerError`` from the manager.
    public func callMethod(_ method: String, _ arguments: [Value] = []) async throws(ManagerError) -> Value {
        let target = reference
        do {
            return try await connection.call(target.id, method, arguments)
        } catch where error.code == .lostInRestart && name != nil {
            try await rebind(from: target)
            return try await connection.call(reference.id, method, arguments)
        }
    }

    /// Opens the object of this handle's name in the manager's new run, in place of `lost`.
    private func rebind(from lost: ObjectReference) async throws(ManagerError) {
        guard let name else { return }
        let reply = try await connection.call(0, "create", [.string(lost.typeID), .string(name), .array(creationArguments)])
        guard case .reference(let found) = reply, found.typeID == lost.typeID else {
            throw ManagerError(.typeMismatch, "'\(name)' could not be opened again as a \(lost.typeID) after the manager restarted: \(reply)")
        }
        let replaced = current.withLock { reference in
            defer { reference = found }
            return reference.id == lost.id
        }
        // Another call may have rebound it first; the counts follow the reference either way.
        if replaced {
            connection.retain(found.id)
            connection.release(lost.id)
        } else {
            // Opened again by this call too: the manager counted one more proxy than there is.
            connection.forget(found.id)
        }
    }

    /// Calls `method` with `Encodable` arguments and ignores the result.
    /// - Throws: ``ManagerError`` from the manager, or `TypeError` for an argument that does not encode.
    public func call(_ method: String, _ arguments: any Encodable...) async throws(ManagerError) {
        _ = try await callMethod(method, try encode(arguments))
    }

    /// Calls `method` with `Encodable` arguments and decodes the result as `type`.
    /// - Throws: ``ManagerError`` from the manager, or `TypeError` for an argument that does not
    ///   encode or a reply that is not a `type`.
    public func call<Result: Decodable>(_ method: String, _ arguments: any Encodable..., returning type: Result.Type) async throws(ManagerError) -> Result {
        try decode(type, from: try await callMethod(method, try encode(arguments)))
    }

    private func encode(_ arguments: [any Encodable]) throws(ManagerError) -> [Value] {
        var values: [Value] = []
        for argument in arguments { values.append(try encode(argument)) }
        return values
    }

    /// Turns a client value into a ``Value``; proxies inside it become references.
    /// - Throws: ``ManagerError`` `TypeError` when it does not encode.
    public func encode(_ value: any Encodable) throws(ManagerError) -> Value {
        try encodeArgument(value)
    }

    /// Turns a ``Value`` from the manager into a client type; references inside it become
    /// working proxies on this connection.
    /// - Throws: ``ManagerError`` `TypeError` when the value is not a `type`.
    public func decode<T: Decodable>(_ type: T.Type, from value: Value) throws(ManagerError) -> T {
        try connection.decode(type, from: value)
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
        let opened = decoder.userInfo[ManagerConnection.openedNameKey] as? OpenedName
        self.init(reference: reference, connection: connection, name: opened?.name, creationArguments: opened?.arguments ?? [])
    }

    /// Writes the reference, as every proxy encodes itself.
    func encodeReference(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(reference)
    }
}

/// A client value as the ``Value`` a call carries; proxies inside it become references.
/// - Throws: ``ManagerError`` `TypeError` when it does not encode.
func encodeArgument(_ value: any Encodable) throws(ManagerError) -> Value {
    do {
        return try ValueEncoder().encode(value)
    } catch {
        throw ManagerError(.wrongType, "\(type(of: value)) cannot be sent to the manager: \(error)")
    }
}

/// The name and creator's arguments an object was opened with, handed to the handle the reply
/// decodes into, so that it can open the object again after a restart.
struct OpenedName: Sendable {
    var name: String
    var arguments: [Value]
}
