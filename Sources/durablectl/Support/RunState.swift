import DurableManager

/// Whether a manager runs on a journal, and if not, how the last one stopped: the journal's
/// `clean_shutdown` flag alone is false both while a manager runs and after a crash, so it is
/// never shown alone.
struct RunState: CustomStringConvertible {
    private enum Phase {
        case running(pid: Int32)
        case stoppedCleanly
        case stoppedUncleanly
    }

    private let phase: Phase
    /// Records a start would replay: every record since the last checkpoint.
    private let records: Int

    init(running: Int32?, facts: JournalFacts) {
        if let running {
            phase = .running(pid: running)
        } else {
            phase = facts.cleanShutdown ? .stoppedCleanly : .stoppedUncleanly
        }
        records = facts.records
    }

    /// For JSON: `running`, `stoppedCleanly` or `stoppedUncleanly`.
    var code: String {
        switch phase {
        case .running: "running"
        case .stoppedCleanly: "stoppedCleanly"
        case .stoppedUncleanly: "stoppedUncleanly"
        }
    }

    /// What the next start replays; nil while a manager runs, since its stop decides.
    var nextStartReplays: Int? {
        if case .running = phase { nil } else { records }
    }

    var description: String {
        switch phase {
        case .running(let pid): "running (pid \(pid < 0 ? "unknown" : "\(pid)"))"
        case .stoppedCleanly: "stopped cleanly: the next start replays \(replays)"
        case .stoppedUncleanly: "stopped without a clean stop (crashed or killed): the next start replays \(replays)"
        }
    }

    private var replays: String {
        records == 0 ? "nothing" : "\(records) record\(records == 1 ? "" : "s")"
    }
}
