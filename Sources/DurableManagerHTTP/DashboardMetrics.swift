import DurableWire
import Metrics
import Synchronization

/// Turns each ``DashboardSnapshot`` into swift-metrics counters and gauges, which the
/// Prometheus registry bootstrapped by ``HTTPDashboard`` renders at `/metrics`.
///
/// The journal's totals arrive as running counts in `ping`; a counter is incremented by the
/// change since the last snapshot, so Prometheus sees a counter that only goes up.
final class DashboardMetrics: Sendable {
    private struct Seen {
        var totals: [String: Int64] = [:]
        var objectTypes: Set<String> = []
        var queues: Set<String> = []
    }

    private let seen = Mutex(Seen())

    /// `ping`'s running totals and the counters they feed.
    private static let journalCounters: [(field: String, label: String)] = [
        ("commits", "durablemanager_journal_commits_total"),
        ("recordsCommitted", "durablemanager_journal_records_total"),
        ("fsyncs", "durablemanager_journal_fsyncs_total"),
        ("walCheckpoints", "durablemanager_journal_wal_checkpoints_total"),
        ("checkpoints", "durablemanager_checkpoints_total"),
    ]

    func record(_ snapshot: DashboardSnapshot) {
        let info = snapshot.info
        var objectsByType: [String: Int] = [:]
        var queueDepths: [String: Int] = [:]
        var heldLocks = 0
        for object in snapshot.objects {
            if case .string(let type)? = object[field: "type"] { objectsByType[type, default: 0] += 1 }
            if DashboardPoller.isQueue(object) { queueDepths[DashboardPoller.label(object)] = Int(object[field: "size"]?.intValue ?? 0) }
            if object[field: "live"]?[field: "locked"] == .bool(true) { heldLocks += 1 }
        }
        var connections = 0
        var waiters = 0
        for session in snapshot.sessions {
            connections += Int(session[field: "connections"]?.intValue ?? 0)
            if case .array(let waiting)? = session[field: "waiting"] {
                waiters += waiting.reduce(0) { $0 + Int($1[field: "calls"]?.intValue ?? 0) }
            }
        }
        let increments: [(String, Int64)] = seen.withLock { seen in
            var increments: [(String, Int64)] = []
            for (field, label) in Self.journalCounters {
                guard let total = info[field: field]?.intValue else { continue }
                // A first sight counts everything since the manager started.
                let delta = total - (seen.totals[field] ?? 0)
                if delta > 0 { increments.append((label, delta)) }
                seen.totals[field] = total
            }
            // A type or queue that is gone reads 0 rather than its last value.
            for type in seen.objectTypes where objectsByType[type] == nil { objectsByType[type] = 0 }
            for queue in seen.queues where queueDepths[queue] == nil { queueDepths[queue] = 0 }
            seen.objectTypes.formUnion(objectsByType.keys)
            seen.queues.formUnion(queueDepths.keys)
            return increments
        }
        for (label, delta) in increments { Counter(label: label).increment(by: delta) }
        if case .double(let perCommit)? = info[field: "recordsPerCommit"] {
            Gauge(label: "durablemanager_journal_records_per_commit").record(perCommit)
        }
        if let records = info[field: "journalRecords"]?.intValue {
            Gauge(label: "durablemanager_journal_records_since_checkpoint").record(records)
        }
        if case .double(let uptime)? = info[field: "uptime"] { Gauge(label: "durablemanager_uptime_seconds").record(uptime) }
        Gauge(label: "durablemanager_sessions").record(snapshot.sessions.count)
        Gauge(label: "durablemanager_connections").record(connections)
        Gauge(label: "durablemanager_parked_waiters").record(waiters)
        Gauge(label: "durablemanager_held_locks").record(heldLocks)
        Gauge(label: "durablemanager_objects_total").record(snapshot.objects.count)
        for (type, count) in objectsByType { Gauge(label: "durablemanager_objects", dimensions: [("type", type)]).record(count) }
        for (queue, depth) in queueDepths { Gauge(label: "durablemanager_queue_depth", dimensions: [("queue", queue)]).record(depth) }
        Gauge(label: "durablemanager_up").record(snapshot.reachable ? 1 : 0)
    }
}
