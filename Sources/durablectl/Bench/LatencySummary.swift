/// p50, p99 and mean of a set of call latencies, computed as `benchlib.py`'s `lat_summary`
/// (the percentile is the sorted value at index `min(n - 1, Int(n * p))`).
struct LatencySummary: Sendable {
    /// Microseconds.
    let p50: Double
    let p99: Double
    let mean: Double

    /// Nil when there are no latencies, as the Python script then leaves the fields out.
    init?(nanoseconds: [Int64]) {
        guard !nanoseconds.isEmpty else { return nil }
        let sorted = nanoseconds.sorted()
        func percentile(_ p: Double) -> Double {
            Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e3
        }
        p50 = percentile(0.50)
        p99 = percentile(0.99)
        mean = Double(sorted.reduce(0, +)) / Double(sorted.count) / 1e3
    }
}
