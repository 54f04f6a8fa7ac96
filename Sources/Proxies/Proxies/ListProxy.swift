public import DurableWire

/// A proxy to a shared `list`, with Python's methods under Swift names. Negative indices count
/// from the end, as in Python.
///
/// ```swift
/// let log: ListProxy<String> = try await manager.list("log")
/// try await log.append("started")
/// let last = try await log[-1]
/// ```
public struct ListProxy<Element: Codable & Sendable>: SharedObjectProxy {
    public static var typeID: String { "list" }
    public let handle: ProxyHandle
    public init(handle: ProxyHandle) { self.handle = handle }

    /// The item at `index`; Python's `l[index]`.
    /// - Throws: ``ManagerError`` `.indexError` when out of range.
    public subscript(index: Int) -> Element {
        get async throws(ManagerError) { try await handle.call("__getitem__", index, returning: Element.self) }
    }

    /// Replaces the item at `index`; Python's `l[index] = value`.
    public func set(_ index: Int, _ value: Element) async throws(ManagerError) {
        try await handle.call("__setitem__", index, value)
    }

    /// Removes the item at `index`; Python's `del l[index]`.
    public func remove(at index: Int) async throws(ManagerError) {
        try await handle.call("__delitem__", index)
    }

    public func append(_ item: Element) async throws(ManagerError) {
        try await handle.call("append", item)
    }

    /// Appends every item, in one call; also Python's `l += items`.
    public func extend(_ items: [Element]) async throws(ManagerError) {
        try await handle.call("extend", items)
    }

    /// Inserts before `index` (clamped to the list, as Python's `insert`).
    public func insert(_ item: Element, at index: Int) async throws(ManagerError) {
        try await handle.call("insert", index, item)
    }

    /// Removes and returns the item at `index` (the last by default).
    /// - Throws: ``ManagerError`` `.indexError` when the list is empty or `index` is out of range.
    public func pop(_ index: Int = -1) async throws(ManagerError) -> Element {
        try await handle.call("pop", index, returning: Element.self)
    }

    /// Removes the first item equal to `item`.
    /// - Throws: ``ManagerError`` `.valueError` when there is none.
    public func remove(_ item: Element) async throws(ManagerError) {
        try await handle.call("remove", item)
    }

    /// The index of the first item equal to `item` in `start..<end`.
    /// - Throws: ``ManagerError`` `.valueError` when there is none.
    public func index(of item: Element, start: Int = 0, end: Int = Int.max) async throws(ManagerError) -> Int {
        try await handle.call("index", item, start, end, returning: Int.self)
    }

    /// How many items equal `item`.
    public func count(of item: Element) async throws(ManagerError) -> Int {
        try await handle.call("count", item, returning: Int.self)
    }

    public func reverse() async throws(ManagerError) {
        try await handle.call("reverse")
    }

    /// Sorts in place, stably, by the values' natural order (numbers, strings, bytes, lists).
    /// - Throws: ``ManagerError`` `.wrongType` when items cannot be ordered; the list is unchanged.
    public func sort(reverse: Bool = false) async throws(ManagerError) {
        try await handle.call("sort", reverse)
    }

    /// Whether an item equals `item`; Python's `item in l`.
    public func contains(_ item: Element) async throws(ManagerError) -> Bool {
        try await handle.call("__contains__", item, returning: Bool.self)
    }

    /// The number of items; Python's `len(l)`.
    public func count() async throws(ManagerError) -> Int {
        try await handle.call("__len__", returning: Int.self)
    }

    public func clear() async throws(ManagerError) {
        try await handle.call("clear")
    }

    /// A copy of every item, taken in one call.
    public func copy() async throws(ManagerError) -> [Element] {
        try await handle.call("copy", returning: [Element].self)
    }

    /// The items followed by `other`, without changing the list; Python's `l + other`.
    public func concatenated(with other: [Element]) async throws(ManagerError) -> [Element] {
        try await handle.call("__add__", other, returning: [Element].self)
    }

    /// The items repeated `times` times, without changing the list; Python's `l * times`.
    public func repeated(_ times: Int) async throws(ManagerError) -> [Element] {
        try await handle.call("__mul__", times, returning: [Element].self)
    }

    /// Repeats the items in place; Python's `l *= times`.
    public func repeatInPlace(_ times: Int) async throws(ManagerError) {
        try await handle.call("__imul__", times)
    }
}
