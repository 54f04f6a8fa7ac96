import DurableWire
import Foundation
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
        var calls: [String: Int64] = [:]
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

    /// The manager's `callStatistics` reply: `durablemanager_calls_total{type,method,outcome}` goes
    /// up by the change in each running count; each latency since the last poll goes into the
    /// `durablemanager_call_duration_seconds{type}` histogram.
    func recordCalls(_ statistics: Value) {
        guard case .array(let calls)? = statistics[field: "calls"] else { return }
        var increments: [(type: String, method: String, outcome: String, by: Int64)] = []
        seen.withLock { seen in
            for call in calls {
                guard case .string(let type)? = call[field: "type"], case .string(let method)? = call[field: "method"],
                      case .string(let outcome)? = call[field: "outcome"], let count = call[field: "count"]?.intValue
                else { continue }
                let key = type + "\u{0}" + method + "\u{0}" + outcome
                let delta = count - (seen.calls[key] ?? 0)
                if delta > 0 { increments.append((type, method, outcome, delta)) }
                seen.calls[key] = count
            }
        }
        for call in increments {
            Counter(label: "durablemanager_calls_total", dimensions: [("type", call.type), ("method", call.method), ("outcome", call.outcome)])
                .increment(by: call.by)
        }
        if case .array(let latencies)? = statistics[field: "latencies"] {
            var timers: [String: Metrics.Timer] = [:]
            for sample in latencies {
                guard case .array(let pair) = sample, pair.count == 2, case .string(let type) = pair[0], case .double(let seconds) = pair[1] else { continue }
                let timer = timers[type] ?? Metrics.Timer(label: "durablemanager_call_duration_seconds", dimensions: [("type", type)])
                timers[type] = timer
                timer.recordNanoseconds(Int64(seconds * 1e9))
            }
        }
        // Latencies past what the manager keeps between two polls: the histogram misses them.
        if let dropped = statistics[field: "dropped"]?.intValue, dropped > 0 {
            Counter(label: "durablemanager_call_latency_samples_dropped_total").increment(by: dropped)
        }
    }

    /// The journal file's size and its WAL's, in bytes: read off the files, on the poller's task,
    /// so the manager's loop does nothing for them. A file that is not there reads 0.
    func recordJournalFiles(at path: String) {
        for (suffix, label) in [("", "durablemanager_journal_bytes"), ("-wal", "durablemanager_wal_bytes")] {
            let size = (try? FileManager.default.attributesOfItem(atPath: path + suffix))?[.size] as? Int ?? 0
            Gauge(label: label).record(size)
        }
    }

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
