/// What the journal has written since the manager started, and how fast lately: what `durablectl
/// ping` shows, so an operator sees how well commits are grouped.
///
/// Counted on the loop as commits finish. An fsync is counted for every commit in `full` mode
/// (SQLite syncs the WAL at each) and every WAL checkpoint in any mode (it syncs the file);
/// `normal` commits sync nothing.
package struct JournalStatistics: Sendable, Equatable {
    /// Transactions that committed records.
    package var commits = 0
    /// Records those transactions carried.
    package var records = 0
    /// fsyncs: `full` commits and WAL checkpoints.
    package var fsyncs = 0
    /// WAL checkpoints, which fold the WAL into the file on the journal's thread.
    package var walCheckpoints = 0
    /// Checkpoints of the objects' state.
    package var checkpoints = 0

    /// Records per commit over the whole run; 0 before the first commit.
    package var recordsPerCommit: Double { commits == 0 ? 0 : Double(records) / Double(commits) }

    /// The counts since `earlier`, per second over `seconds`.
    func rates(since earlier: JournalStatistics, over seconds: Double) -> (commits: Double, records: Double, fsyncs: Double) {
        guard seconds > 0 else { return (0, 0, 0) }
        return (
            Double(commits - earlier.commits) / seconds, Double(records - earlier.records) / seconds,
            Double(fsyncs - earlier.fsyncs) / seconds
        )
    }
}
