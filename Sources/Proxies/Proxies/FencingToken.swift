/// What a successful acquire of a Lock or RLock yields: a number larger than every token that
/// lock gave out before, across restarts of the manager too.
///
/// A holder passes it along with what it writes under the lock; the resource keeps the largest
/// token it has seen and refuses a smaller one. So a holder that stalled (a long pause, a
/// network partition) past the moment its hold ended, by a restart or its session's grace
/// period, cannot overwrite what the next holder wrote.
///
/// ```swift
/// import Proxies
///
/// let manager = try await SyncManager.connect()
/// let lock = try await manager.lock("report")
/// let written = try await manager.dict("report-writes", keys: String.self, values: Int64.self)
/// try await lock.withLock { token in
///     // The resource's own check: a later holder's token is always larger.
///     let last = try await written.get("token") ?? 0
///     guard token.value > last else { return }
///     try await written.set("token", token.value)
/// }
/// ```
public struct FencingToken: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The token: the manager's run in the upper bits, the lock's grants in that run below.
    public let value: Int64

    public init(_ value: Int64) {
        self.value = value
    }

    public static func < (lhs: FencingToken, rhs: FencingToken) -> Bool {
        lhs.value < rhs.value
    }

    public var description: String { "\(value)" }
}
