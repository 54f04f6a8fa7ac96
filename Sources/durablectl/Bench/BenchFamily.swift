import ArgumentParser
import DurableWire

/// The socket family the benchmark's manager listens on.
enum BenchFamily: String, CaseIterable, ExpressibleByArgument, Sendable {
    case unix
    case tcp

    /// The family of an address given with `--connect`.
    init(of address: ManagerAddress) {
        switch address.kind {
        case .unix: self = .unix
        case .tcp: self = .tcp
        }
    }
}
