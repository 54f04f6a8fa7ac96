public import DurableWire
import Synchronization

/// A proxy to a shared `Namespace`: attributes by name, with dynamic member syntax for reads.
///
/// Names that begin with `_` stay on the proxy, as the seed documents: they are never sent to
/// the manager and other processes do not see them.
///
/// ```swift
/// let settings = try await manager.namespace("settings")
/// try await settings.set("x", 10)
/// let x: Value = try await settings.x              // .int(10)
/// let y = try await settings.get("y", as: String.self)
/// print(try await settings.describe())             // Namespace(x=10, y='hello')
/// ```
@dynamicMemberLookup
public struct NamespaceProxy: SharedObjectProxy {
    public static var typeID: String { "Namespace" }
    public let handle: ProxyHandle
    private let local = LocalAttributes()

    public init(handle: ProxyHandle) { self.handle = handle }

    /// Reads attribute `name`; Python's `ns.name`.
    /// - Throws: ``ManagerError`` `.attributeError` when it is not set.
    public subscript(dynamicMember name: String) -> Value {
        get async throws(ManagerError) { try await value(name) }
    }

    /// Reads attribute `name` as a raw value.
    public func value(_ name: String) async throws(ManagerError) -> Value {
        if name.hasPrefix("_") {
            guard let value = local.get(name) else {
                throw ManagerError(.attributeError, "this proxy has no local attribute '\(name)'")
            }
            return value
        }
        return try await handle.callMethod("__getattr__", [.string(name)])
    }

    /// Reads attribute `name` as `type`.
    public func get<T: Decodable>(_ name: String, as type: T.Type) async throws(ManagerError) -> T {
        try handle.decode(type, from: try await value(name))
    }

    /// Sets attribute `name`; Python's `ns.name = value`.
    public func set(_ name: String, _ value: some Encodable) async throws(ManagerError) {
        if name.hasPrefix("_") {
            local.set(name, try handle.encode(value))
        } else {
            try await handle.call("__setattr__", name, value)
        }
    }

    /// Removes attribute `name`; Python's `del ns.name`.
    /// - Throws: ``ManagerError`` `.attributeError` when it is not set.
    public func delete(_ name: String) async throws(ManagerError) {
        if name.hasPrefix("_") {
            guard local.remove(name) else { throw ManagerError(.attributeError, "this proxy has no local attribute '\(name)'") }
        } else {
            try await handle.call("__delattr__", name)
        }
    }

    /// Every shared attribute, in the order they were first set.
    public func attributes() async throws(ManagerError) -> [(name: String, value: Value)] {
        guard case .map(let entries) = try await handle.callMethod("_getvalue") else { return [] }
        return entries.compactMap { key, value in
            guard case .string(let name) = key else { return nil }
            return (name, value)
        }
    }

    /// The shared attributes as Python shows a namespace: `Namespace(x=10, y='hello')`.
    public func describe() async throws(ManagerError) -> String {
        let shown = try await attributes().map { "\($0.name)=\($0.value.pythonRepr)" }
        return "Namespace(\(shown.joined(separator: ", ")))"
    }
}

/// The `_` attributes of one proxy value and its copies.
private final class LocalAttributes: Sendable {
    private let values = Mutex<[String: Value]>([:])

    func get(_ name: String) -> Value? { values.withLock { $0[name] } }
    func set(_ name: String, _ value: Value) { values.withLock { $0[name] = value } }
    func remove(_ name: String) -> Bool { values.withLock { $0.removeValue(forKey: name) != nil } }
}
