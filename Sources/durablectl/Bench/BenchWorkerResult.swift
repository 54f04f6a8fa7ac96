/// What a worker reports to the parent: one JSON line on its stdout once its timed calls end.
///
/// Every latency is sent, so the percentiles the parent computes are over all clients' calls,
/// not an average of per-client percentiles.
struct BenchWorkerResult: Codable, Sendable {
    let worker: Int
    let role: BenchAssignment.Role
    /// CLOCK_MONOTONIC nanoseconds when the worker started its timed calls.
    let start: Int64
    /// CLOCK_MONOTONIC nanoseconds when its last call ended (a consumer: its last item).
    let end: Int64
    /// Calls completed (a consumer: items taken).
    let ops: Int
    /// Every timed call's latency, in nanoseconds.
    let latencies: [Int64]
    /// The CPU time this process used over its timed calls, every thread's (its connection's
    /// event loop included).
    let cpu: CPUTime
}
