/// The manager's CPU time over a run's timed calls, or why it is not known.
enum BenchManagerCPU: Sendable, Equatable {
    case measured(nanoseconds: Int64)
    /// In words that follow "manager CPU: unknown".
    case unknown(String)

    var nanoseconds: Int64? {
        if case .measured(let nanoseconds) = self { nanoseconds } else { nil }
    }
}
