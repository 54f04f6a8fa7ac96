import Foundation

/// The figures of one run, aggregated over every worker as `benchlib.py` aggregates them, and
/// their two forms: text for people, one JSON line with the Python script's field names.
struct BenchReport: Sendable {
    let plan: BenchPlan
    let family: String
    let durability: String
    /// Calls completed over all clients; items moved for the queue.
    let ops: Int
    /// From the earliest start to the latest end (the queue: the last consumer's last item).
    let seconds: Double
    /// Every timed call (the queue: puts and gets together).
    let latency: LatencySummary?
    /// The queue's puts and gets apart.
    let put: LatencySummary?
    let get: LatencySummary?

    init(plan: BenchPlan, family: String, durability: String, results: [BenchWorkerResult]) {
        self.plan = plan
        self.family = family
        self.durability = durability
        let start = results.map(\.start).min() ?? 0
        if plan.operation == .queue {
            let consumers = results.filter { $0.role == .get }
            ops = consumers.reduce(0) { $0 + $1.ops }
            seconds = Double((consumers.map(\.end).max() ?? start) - start) / 1e9
            put = LatencySummary(nanoseconds: results.filter { $0.role == .put }.flatMap(\.latencies))
            get = LatencySummary(nanoseconds: consumers.flatMap(\.latencies))
        } else {
            ops = results.reduce(0) { $0 + $1.ops }
            seconds = Double((results.map(\.end).max() ?? start) - start) / 1e9
            put = nil
            get = nil
        }
        latency = LatencySummary(nanoseconds: results.flatMap(\.latencies))
    }

    var opsPerSecond: Double { seconds > 0 ? Double(ops) / seconds : 0 }

    /// One line of JSON, fields in the Python script's order, numbers rounded as it rounds them.
    var json: String {
        var fields: [(String, String)] = [
            ("bench", quoted("durablemanager")), ("op", quoted(plan.operation.rawValue)), ("clients", "\(plan.clients)"),
            ("family", quoted(family)), ("durability", quoted(durability)), ("inflight", "\(plan.inflight)"),
        ]
        if plan.operation == .queue {
            fields += [("producers", "\(plan.producers)"), ("consumers", "\(plan.consumers)")]
        }
        fields += [("ops", "\(ops)"), ("secs", number(seconds, places: 4)), ("ops_per_s", number(opsPerSecond, places: 1))]
        for (prefix, summary) in [("", latency), ("put_", put), ("get_", get)] {
            guard let summary else { continue }
            fields += [
                (prefix + "p50_us", number(summary.p50, places: 1)), (prefix + "p99_us", number(summary.p99, places: 1)),
                (prefix + "mean_us", number(summary.mean, places: 1)),
            ]
        }
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// A few lines for people.
    var text: String {
        let who = plan.operation == .queue
            ? "\(plan.clients) \(plan.clients == 1 ? "client" : "clients") (\(plan.producers) producing, \(plan.consumers) consuming)"
            : "\(plan.clients) \(plan.clients == 1 ? "client" : "clients")"
        let what = plan.operation == .queue ? "items moved" : "ops"
        var lines = [
            "\(plan.operation.rawValue): \(who) over \(family), durability \(durability), \(plan.inflight) in flight per client",
            "  \(ops) \(what) in \(number(seconds, places: 4)) s: \(number(opsPerSecond, places: 1)) \(what == "ops" ? "ops" : "items")/s",
        ]
        for (label, summary) in [("latency", latency), ("put", put), ("get", get)] {
            guard let summary else { continue }
            lines.append("  \(label.padding(toLength: 8, withPad: " ", startingAt: 0))p50 \(number(summary.p50, places: 1)) us  "
                + "p99 \(number(summary.p99, places: 1)) us  mean \(number(summary.mean, places: 1)) us")
        }
        return lines.joined(separator: "\n")
    }

    private func number(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "null" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return "\((value * scale).rounded() / scale)"
    }

    private func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
