public import DurableWire

/// A proxy to a shared `dict`, with Python's methods under Swift names. Insertion order is kept.
///
/// ```swift
/// let status: DictProxy<String, JobStatus> = try await manager.dict("status")
/// try await status.set("job-7", .running)
/// let state = try await status["job-7"]            // throws KeyError if missing
/// let maybe = try await status.get("job-8")        // nil if missing
/// ```
public struct DictProxy<Key: Codable & Sendable, Element: Codable & Sendable>: SharedObjectProxy {
    public static var typeID: String { "dict" }
    public let handle: ProxyHandle
    public init(handle: ProxyHandle) { self.handle = handle }

    /// The value for `key`; Python's `d[key]`.
    /// - Throws: ``ManagerError`` `.keyError` when the key is missing.
    public subscript(key: Key) -> Element {
        get async throws(ManagerError) { try await handle.call("__getitem__", key, returning: Element.self) }
    }

    /// The value for `key`, or nil when it is missing.
    public func get(_ key: Key) async throws(ManagerError) -> Element? {
        try await handle.call("get", key, returning: Element?.self)
    }

    /// The value for `key`, or `defaultValue` when it is missing.
    public func get(_ key: Key, default defaultValue: Element) async throws(ManagerError) -> Element {
        try await handle.call("get", key, defaultValue, returning: Element.self)
    }

    /// Sets `key` to `value`; Python's `d[key] = value`.
    public func set(_ key: Key, _ value: Element) async throws(ManagerError) {
        try await handle.call("__setitem__", key, value)
    }

    /// Removes `key`; Python's `del d[key]`.
    /// - Throws: ``ManagerError`` `.keyError` when the key is missing.
    public func delete(_ key: Key) async throws(ManagerError) {
        try await handle.call("__delitem__", key)
    }

    /// Whether `key` is present; Python's `key in d`.
    public func contains(_ key: Key) async throws(ManagerError) -> Bool {
        try await handle.call("__contains__", key, returning: Bool.self)
    }

    /// The number of entries; Python's `len(d)`.
    public func count() async throws(ManagerError) -> Int {
        try await handle.call("__len__", returning: Int.self)
    }

    /// The keys, in insertion order.
    public func keys() async throws(ManagerError) -> [Key] {
        try await handle.call("keys", returning: [Key].self)
    }

    /// The values, in insertion order.
    public func values() async throws(ManagerError) -> [Element] {
        try await handle.call("values", returning: [Element].self)
    }

    /// The entries, in insertion order.
    public func items() async throws(ManagerError) -> [(key: Key, value: Element)] {
        let pairs = try await handle.callMethod("items")
        guard case .array(let items) = pairs else { return [] }
        return try items.map { (item) throws(ManagerError) in try pair(item) }
    }

    /// Removes `key` and returns its value.
    /// - Throws: ``ManagerError`` `.keyError` when the key is missing.
    public func pop(_ key: Key) async throws(ManagerError) -> Element {
        try await handle.call("pop", key, returning: Element.self)
    }

    /// Removes `key` and returns its value, or `defaultValue` when it is missing.
    public func pop(_ key: Key, default defaultValue: Element) async throws(ManagerError) -> Element {
        try await handle.call("pop", key, defaultValue, returning: Element.self)
    }

    /// Removes and returns the most recently inserted entry.
    /// - Throws: ``ManagerError`` `.keyError` when the dict is empty.
    public func popItem() async throws(ManagerError) -> (key: Key, value: Element) {
        try pair(try await handle.callMethod("popitem"))
    }

    /// The value for `key`; when missing, sets it to `defaultValue` first.
    public func setDefault(_ key: Key, _ defaultValue: Element) async throws(ManagerError) -> Element {
        try await handle.call("setdefault", key, defaultValue, returning: Element.self)
    }

    /// Sets every pair, in order, in one call.
    public func update(_ pairs: some Sequence<(Key, Element)>) async throws(ManagerError) {
        let encoded = try pairs.map { (key, value) throws(ManagerError) in Value.array([try handle.encode(key), try handle.encode(value)]) }
        _ = try await handle.callMethod("update", [.array(encoded)])
    }

    /// Removes every entry.
    public func clear() async throws(ManagerError) {
        try await handle.call("clear")
    }

    /// A copy of the whole dict, taken in one call.
    public func copy() async throws(ManagerError) -> [(key: Key, value: Element)] {
        let copy = try await handle.callMethod("copy")
        guard case .map(let entries) = copy else {
            throw ManagerError(.protocolError, "expected a map from copy, got \(copy)")
        }
        return try entries.map { (entry) throws(ManagerError) in
            (try handle.decode(Key.self, from: entry.key), try handle.decode(Element.self, from: entry.value))
        }
    }

    private func pair(_ value: Value) throws(ManagerError) -> (key: Key, value: Element) {
        guard case .array(let parts) = value, parts.count == 2 else {
            throw ManagerError(.protocolError, "expected a [key, value] pair, got \(value)")
        }
        return (try handle.decode(Key.self, from: parts[0]), try handle.decode(Element.self, from: parts[1]))
    }
}

extension DictProxy where Key: Hashable {
    /// Sets every entry of `dictionary` in one call.
    public func update(_ dictionary: [Key: Element]) async throws(ManagerError) {
        try await update(dictionary.map { ($0.key, $0.value) })
    }
}
