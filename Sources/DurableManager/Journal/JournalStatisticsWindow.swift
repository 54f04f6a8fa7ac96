import NIOCore

/// The statistics a second apart over the last few seconds, for rates that say what happens now
/// rather than averaged over the whole run.
struct JournalStatisticsWindow {
    private var samples: [(time: NIODeadline, statistics: JournalStatistics)] = []
    /// The rates cover at least this much of the recent past, when the run is that old.
    static let span = TimeAmount.seconds(10)

    /// Notes `statistics` as of `now`, at most once a second.
    mutating func note(_ statistics: JournalStatistics, at now: NIODeadline) {
        if let last = samples.last, now - last.time < .seconds(1) { return }
        samples.append((now, statistics))
        // Keep one sample older than the span, so the rates always cover all of it.
        while samples.count > 2, now - samples[1].time >= Self.span { samples.removeFirst() }
    }

    /// Per-second rates from the oldest sample kept to `statistics` at `now`.
    func rates(_ statistics: JournalStatistics, at now: NIODeadline) -> (commits: Double, records: Double, fsyncs: Double) {
        guard let first = samples.first else { return (0, 0, 0) }
        return statistics.rates(since: first.statistics, over: Double((now - first.time).nanoseconds) / 1e9)
    }
}
