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
    /// Every worker's CPU over its timed calls, added up.
    let clientCPU: CPUTime
    /// The manager's CPU and journal over the timed calls.
    let manager: BenchManagerActivity

    init(plan: BenchPlan, family: String, durability: String, results: [BenchWorkerResult], manager: BenchManagerActivity) {
        self.plan = plan
        self.family = family
        self.durability = durability
        self.manager = manager
        clientCPU = results.reduce(.zero) { $0 + $1.cpu }
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

    /// Microseconds of CPU per op (the queue: per item moved, puts and gets together).
    private func perOp(_ nanoseconds: Int64) -> Double {
        Double(nanoseconds) / 1e3 / Double(ops)
    }

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
        let managerCPU = manager.cpu.nanoseconds
        fields += [
            ("client_cpu_us_per_op", number(perOp(clientCPU.total), places: 2)),
            ("client_user_us_per_op", number(perOp(clientCPU.user), places: 2)),
            ("client_sys_us_per_op", number(perOp(clientCPU.system), places: 2)),
            ("client_cpu_secs", number(Double(clientCPU.total) / 1e9, places: 4)),
            ("manager_cpu_us_per_op", managerCPU.map { number(perOp($0), places: 2) } ?? "null"),
            ("manager_cpu_secs", managerCPU.map { number(Double($0) / 1e9, places: 4) } ?? "null"),
        ]
        let journal = manager.journal
        for (name, count) in [("journal_records", journal.records), ("journal_commits", journal.commits), ("journal_fsyncs", journal.fsyncs)] {
            if let count { fields.append((name, "\(count)")) }
        }
        if let recordsPerCommit = journal.recordsPerCommit {
            fields.append(("records_per_commit", number(recordsPerCommit, places: 2)))
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
        let unit = plan.operation == .queue ? "us/item" : "us/op"
        lines.append("  client CPU: \(number(perOp(clientCPU.total), places: 2)) \(unit) (user \(number(perOp(clientCPU.user), places: 2)), "
            + "system \(number(perOp(clientCPU.system), places: 2))), \(number(Double(clientCPU.total) / 1e9, places: 3)) s over \(plan.workerCount) "
            + (plan.workerCount == 1 ? "process" : "processes"))
        switch manager.cpu {
        case .measured(let nanoseconds):
            lines.append("  manager CPU: \(number(perOp(nanoseconds), places: 2)) \(unit), \(number(Double(nanoseconds) / 1e9, places: 3)) s")
        case .unknown(let reason):
            lines.append("  manager CPU: unknown (\(reason))")
        }
        if let journal = journalText { lines.append("  journal: " + journal) }
        return lines.joined(separator: "\n")
    }

    /// The journal's work in words, from what is counted: "40000 records in 5000 commits (8.0
    /// per commit), 5000 fsyncs".
    private var journalText: String? {
        let journal = manager.journal
        var parts: [String] = []
        switch (journal.records, journal.commits) {
        case (let records?, let commits?):
            let perCommit = journal.recordsPerCommit.map { " (\(number($0, places: 2)) per commit)" } ?? ""
            parts.append("\(records) records in \(commits) commits" + perCommit)
        case (let records?, nil):
            parts.append("\(records) records")
        case (nil, let commits?):
            parts.append("\(commits) commits")
        case (nil, nil):
            break
        }
        if let fsyncs = journal.fsyncs { parts.append("\(fsyncs) fsyncs") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
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
