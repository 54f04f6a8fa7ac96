import DurableManager
import DurableWire

/// What the manager's journal has done, counted at one instant or between two: the records it
/// committed, from the journal file's last sequence number, and its commits and fsyncs when the
/// manager's `ping` reply counts them. A count that cannot be read is nil, and is not reported.
struct BenchJournalCounters: Sendable, Equatable {
    var records: Int64?
    var commits: Int64?
    var fsyncs: Int64?

    /// The names under which a manager's `ping` reply counts its commits and fsyncs since it
    /// started, at the top of the reply or in a map in it.
    static let commitsField = "commits"
    static let fsyncsField = "fsyncs"

    /// The counts now, from a `ping` reply and the journal file (read-only, as `durablectl stats`
    /// reads it while a manager runs on it).
    init(ping: Value?, journalPath: String?) {
        commits = ping.flatMap { Self.counter(Self.commitsField, in: $0) }
        fsyncs = ping.flatMap { Self.counter(Self.fsyncsField, in: $0) }
        records = journalPath.flatMap { path in
            // A checkpoint drops the records it folds in: then the last one is its sequence number.
            (try? JournalReader(path: path).facts()).map { Int64($0.lastSeq ?? $0.checkpointSeq) }
        }
    }

    private init(records: Int64?, commits: Int64?, fsyncs: Int64?) {
        self.records = records
        self.commits = commits
        self.fsyncs = fsyncs
    }

    /// What happened between `earlier` and these counts; nil where either lacks a count.
    func since(_ earlier: BenchJournalCounters) -> BenchJournalCounters {
        func difference(_ now: Int64?, _ then: Int64?) -> Int64? {
            guard let now, let then else { return nil }
            return now - then
        }
        return BenchJournalCounters(
            records: difference(records, earlier.records), commits: difference(commits, earlier.commits),
            fsyncs: difference(fsyncs, earlier.fsyncs)
        )
    }

    /// Records over commits, when both are counted and there was a commit.
    var recordsPerCommit: Double? {
        guard let records, let commits, commits > 0 else { return nil }
        return Double(records) / Double(commits)
    }

    private static func counter(_ name: String, in reply: Value) -> Int64? {
        guard case .map(let fields) = reply else { return nil }
        if case .int(let count)? = fields[.string(name)] { return count }
        for case .map(let nested) in fields.values {
            if case .int(let count)? = nested[.string(name)] { return count }
        }
        return nil
    }
}
