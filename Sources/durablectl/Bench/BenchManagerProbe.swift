import DurableWire
import Proxies

/// What the parent reads of the manager around the timed calls: its CPU clock, when it runs on
/// this machine, and its journal's counters (``BenchJournalCounters``).
struct BenchManagerProbe: Sendable {
    private let client: SyncManager
    private let cpu: Result<ProcessCPUClock, CPUUnknown>
    /// Read only when the manager runs here: a path of another machine's may name another file.
    private let journalPath: String?

    /// Why the manager's CPU clock cannot be read.
    private struct CPUUnknown: Error {
        let reason: String
    }

    /// Probes the manager `client` is connected to, whose process `process` found.
    init(client: SyncManager, process: ManagerProcessLookup) async {
        self.client = client
        switch process {
        case .found(let pid):
            cpu = ProcessCPUClock(pid: pid).map { .success($0) } ?? .failure(CPUUnknown(reason: "process \(pid) cannot be read from here"))
            // The manager names its journal as it was given, maybe relative to its own folder.
            if case .map(let fields)? = try? await client.ping(), case .string(let path)? = fields["journal"] {
                journalPath = path.hasPrefix("/") ? path : "/proc/\(pid)/cwd/\(path)"
            } else {
                journalPath = nil
            }
        case .unknown(let reason):
            cpu = .failure(CPUUnknown(reason: reason))
            journalPath = nil
        }
    }

    /// Runs `body` (the timed calls) and measures what the manager did meanwhile. The readings
    /// that take a call to the manager come before the first CPU reading and after the last, so
    /// the manager's CPU counts none of their work.
    func measuring<Outcome: Sendable>(_ body: () async throws -> Outcome) async rethrows -> (Outcome, BenchManagerActivity) {
        let journalBefore = await journalCounters()
        let cpuBefore = cpuNanoseconds()
        let result = try await body()
        let cpuAfter = cpuNanoseconds()
        let journalAfter = await journalCounters()
        let managerCPU: BenchManagerCPU
        switch (cpu, cpuBefore, cpuAfter) {
        case (.failure(let unknown), _, _):
            managerCPU = .unknown(unknown.reason)
        case (.success, let before?, let after?):
            managerCPU = .measured(nanoseconds: after - before)
        case (.success(let clock), _, _):
            managerCPU = .unknown("process \(clock.pid) ended during the run")
        }
        return (result, BenchManagerActivity(cpu: managerCPU, journal: journalAfter.since(journalBefore)))
    }

    private func cpuNanoseconds() -> Int64? {
        try? cpu.get().nanoseconds()
    }

    private func journalCounters() async -> BenchJournalCounters {
        BenchJournalCounters(ping: try? await client.ping(), journalPath: journalPath)
    }
}
