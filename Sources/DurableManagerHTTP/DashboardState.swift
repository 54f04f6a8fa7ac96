import Synchronization

/// The latest ``DashboardSnapshot``, published by the poller and read by every HTTP handler.
///
/// A `Mutex` held only to copy the struct in or out: a handler never waits on the manager, and
/// the manager never waits on a handler.
final class DashboardState: Sendable {
    private let latest = Mutex(DashboardSnapshot())
    private let stopping = Mutex(false)

    /// The newest snapshot.
    var snapshot: DashboardSnapshot { latest.withLock { $0 } }

    /// Replaces the snapshot with what `change` makes of it.
    func update(_ change: (inout DashboardSnapshot) -> Void) {
        latest.withLock { change(&$0) }
    }

    /// Whether the server is shutting down: event streams end at their next tick.
    var isStopping: Bool { stopping.withLock { $0 } }

    /// Ends the event streams.
    func stop() { stopping.withLock { $0 = true } }
}
