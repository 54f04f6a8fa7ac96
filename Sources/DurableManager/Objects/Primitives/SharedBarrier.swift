package import DurableWire
package import NIOCore

/// A shared `Barrier`: `wait` parks until `parties` callers have arrived, then releases them all.
///
/// Each caller gets its arrival index (0 for the first). A timeout, `abort` or `reset` breaks the
/// barrier: every waiter gets `BrokenBarrier`, and so does every later `wait` until `reset`.
package final class SharedBarrier: SharedObject {
    let parties: Int
    /// The timeout a `wait` without its own uses.
    let defaultTimeout: TimeAmount?
    package private(set) var broken = false
    /// Each waiter's arrival index.
    private let waiters = WaiterQueue<Int>()

    package var hasParkedCalls: Bool { !waiters.isEmpty }

    init(parties: Int, defaultTimeout: TimeAmount?) {
        self.parties = parties
        self.defaultTimeout = defaultTimeout
    }

    package static let type = SharedObjectType(
        typeID: "Barrier",
        exposed: ["wait", "reset", "abort", "parties", "n_waiting", "broken"],
        mutating: ["wait", "reset", "abort"]
    ) { arguments, _ throws(ManagerError) in
        try arguments.expect(1...2)
        let parties = try arguments.int(0)
        guard parties >= 1 else { throw ManagerError(.valueError, "a Barrier needs at least 1 party, got \(parties)") }
        return SharedBarrier(parties: Int(parties), defaultTimeout: try arguments.timeout(1))
    }

    package func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        switch method {
        case "wait":
            try arguments.expect(0...1)
            let timeout = arguments.count == 1 && arguments[0] != .null ? try arguments.timeout(0) : defaultTimeout
            guard !broken else { throw Self.brokenError }
            let index = waiters.count
            if index + 1 == parties {
                for waiter in waiters.removeAll() { waiter.call.complete(.success(.int(Int64(waiter.payload)))) }
                return .returned(.int(Int64(index)))
            }
            waiters.park(call, payload: index, timeout: timeout) { [unowned self] waiter in
                breakBarrier()
                waiter.call.complete(.failure(Self.brokenError))
            }
            return .parked
        case "reset":
            try arguments.expect(0...0)
            breakBarrier()
            broken = false
            return .returned(.null)
        case "abort":
            try arguments.expect(0...0)
            breakBarrier()
            return .returned(.null)
        case "parties":
            try arguments.expect(0...0)
            return .returned(.int(Int64(parties)))
        case "n_waiting":
            try arguments.expect(0...0)
            return .returned(.int(Int64(waiters.count)))
        case "broken":
            try arguments.expect(0...0)
            return .returned(.bool(broken))
        default:
            throw ManagerError(.notExposed, "Barrier has no method \(method)")
        }
    }

    package func describe(at now: NIODeadline) -> ObjectDescription {
        ObjectDescription(
            fields: [
                "parties": .int(Int64(parties)), "waiting": .int(Int64(waiters.count)), "broken": .bool(broken),
                "firstWaiters": waiters.describeFirst(at: now),
            ],
            summary: broken
                ? "broken (\(parties) parties)"
                : ["\(parties) parties", ObjectDescription.waitingText(waiters, at: now)].compactMap { $0 }.joined(separator: "; ")
        )
    }

    private static let brokenError = ManagerError(.brokenBarrier, "the barrier is broken (a wait timed out, or it was aborted or reset)")

    private func breakBarrier() {
        broken = true
        for waiter in waiters.removeAll() { waiter.call.complete(.failure(Self.brokenError)) }
    }
}
