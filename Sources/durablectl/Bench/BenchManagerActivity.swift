/// What the manager did over a run's timed calls: its CPU time and its journal's work.
struct BenchManagerActivity: Sendable, Equatable {
    let cpu: BenchManagerCPU
    let journal: BenchJournalCounters
}
