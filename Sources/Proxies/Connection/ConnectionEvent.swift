public import DurableWire

/// Something that happened to a client's connection: it dropped, came back, found the manager
/// restarted, gave up; or a lock held across a restart was lost with it.
///
/// ```swift
/// let manager = try await SyncManager.connect()
/// Task {
///     for await event in manager.events where event.kind == .managerRestarted {
///         print("the manager restarted (epoch \(event.epoch)): in-memory objects came back empty")
///     }
/// }
/// ```
public struct ConnectionEvent: Sendable, Hashable, CustomStringConvertible {
    /// What happened. New kinds may be added; match the ones you handle.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The connection dropped; calls wait for it to come back, up to the reconnect window.
        public static let disconnected = Kind("disconnected")
        /// The connection is back, to the same run of the manager: nothing was lost.
        public static let reconnected = Kind("reconnected")
        /// The connection is back, to a new run of the manager (``ConnectionEvent/epoch`` is
        /// the new run, ``ConnectionEvent/previousEpoch`` the old one). Durable objects are as
        /// they were; in-memory ones (locks, events...) came back empty: named ones are opened
        /// again by their proxies, anonymous ones are gone.
        public static let managerRestarted = Kind("managerRestarted")
        /// The manager did not come back within the reconnect window; the next call tries again.
        public static let gaveUp = Kind("gaveUp")
        /// A lock (``ConnectionEvent/object``) held by `withLock` was released by a restart of
        /// the manager while the body ran: another process may have taken it meanwhile.
        public static let lockLostInRestart = Kind("lockLostInRestart")
    }

    public var kind: Kind
    /// The manager's run after the event.
    public var epoch: UInt64
    /// The manager's run before a restart; equal to ``epoch`` otherwise.
    public var previousEpoch: UInt64
    /// The object concerned, for ``Kind/lockLostInRestart``.
    public var object: ObjectReference?
    /// What happened, for people.
    public var message: String

    public var description: String { "\(kind): \(message)" }
}
