import DurableWire

/// What the dashboard, the JSON API and `/metrics` show: one instant of the manager, as its loop
/// answered `ping`, `describe` and `sessions`, plus the journal's newest records.
///
/// HTTP handlers read the latest snapshot and never ask the manager themselves, so any number of
/// open pages costs the manager's loop the same: one round of three calls per poll interval.
struct DashboardSnapshot: Sendable {
    /// `ping`'s reply: epoch, uptime, sessions, durability, journal counts; null before the first poll.
    var info: Value = .null
    /// `describe`'s reply: every object with its type, name, size, summary and live fields.
    var objects: [Value] = []
    /// `sessions`' reply without the dashboard's own session.
    var sessions: [Value] = []
    /// The journal's newest records as the API shows them, oldest first, at most `recordsKept`.
    var records: [Value] = []
    /// Each queue's depth at each poll of the last minutes, for the page's chart.
    var queueDepths: [QueueDepthSample] = []
    /// The wall-clock second of the poll, for "last change" and the chart.
    var polledAt: Double = 0
    /// Whether the last poll reached the manager; the page says so when it did not.
    var reachable = false
    /// Why the last poll failed, when it did.
    var lastError: String?

    /// Records kept for the page and the event stream: enough for a screen, bounded in memory.
    static let recordsKept = 200
    /// Chart samples kept: ten minutes at one poll a second.
    static let samplesKept = 600
}
