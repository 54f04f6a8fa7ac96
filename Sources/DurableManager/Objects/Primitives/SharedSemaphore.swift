package import DurableWire
package import NIOCore

/// A shared `Semaphore` or `BoundedSemaphore`.
///
/// A BoundedSemaphore counts slots of a pool: permits a session took and did not give back are
/// returned when the session ends, so a worker that dies holding a slot does not shrink the pool
/// for good. A plain Semaphore is often a signal (one side releases, the other acquires), so
/// nothing is returned for it, as in Python. A bounded semaphore refuses a release past its
/// initial value with `ValueError`, as Python's does.
package final class SharedSemaphore: SharedObject {
    package private(set) var value: Int
    /// The initial value, for a BoundedSemaphore.
    let bound: Int?
    /// Permits each session holds: taken minus given back.
    private var held: [String: Int] = [:]
    private let acquirers = WaiterQueue<Void>()

    package var hasParkedCalls: Bool { !acquirers.isEmpty }

    init(value: Int, bound: Int?) {
        self.value = value
        self.bound = bound
    }

    package static let type = semaphoreType(typeID: "Semaphore", bounded: false)
    package static let boundedType = semaphoreType(typeID: "BoundedSemaphore", bounded: true)

    private static func semaphoreType(typeID: String, bounded: Bool) -> SharedObjectType {
        SharedObjectType(typeID: typeID, exposed: ["acquire", "release", "get_value"], mutating: ["acquire", "release"]) { arguments, _ throws(ManagerError) in
            try arguments.expect(0...1)
            let value = try arguments.int(0, default: 1)
            guard value >= 0 else { throw ManagerError(.valueError, "semaphore initial value must be >= 0, got \(value)") }
            return SharedSemaphore(value: Int(value), bound: bounded ? Int(value) : nil)
        }
    }

    private var typeName: String { bound == nil ? "Semaphore" : "BoundedSemaphore" }

    package func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        switch method {
        case "acquire":
            try arguments.expect(0...2)
            let blocking = try arguments.bool(0, default: true)
            let timeout = try arguments.timeout(1)
            if !blocking, timeout != nil {
                throw ManagerError(.valueError, "can't specify timeout for non-blocking acquire")
            }
            if value > 0 {
                value -= 1
                held[call.session.id, default: 0] += 1
                return .returned(.bool(true))
            }
            guard blocking, timeout != .zero else { return .returned(.bool(false)) }
            acquirers.park(call, payload: (), timeout: timeout) { waiter in
                waiter.call.complete(.success(.bool(false)))
            }
            return .parked
        case "release":
            try arguments.expect(0...1)
            let count = Int(try arguments.int(0, default: 1))
            guard count >= 1 else { throw ManagerError(.valueError, "release count must be >= 1, got \(count)") }
            if let bound {
                guard !value.addingReportingOverflow(count).overflow, value + count <= bound else {
                    throw ManagerError(.valueError, "\(typeName) released too many times (value \(value), initial value \(bound), release(\(count)))")
                }
            } else if value.addingReportingOverflow(max(0, count - acquirers.count)).overflow {
                throw ManagerError(.overflowError, "Semaphore value \(value) + \(count) would not fit in 64 bits")
            }
            let giver = call.session.id
            held[giver] = max(0, (held[giver] ?? 0) - count)
            release(count)
            return .returned(.null)
        case "get_value":
            try arguments.expect(0...0)
            return .returned(.int(Int64(value)))
        default:
            throw ManagerError(.notExposed, "\(typeName) has no method \(method)")
        }
    }

    package func sessionEnded(_ sessionID: String) {
        guard let bound, let count = held.removeValue(forKey: sessionID), count > 0 else { return }
        // Another session may have given those permits back already (a semaphore has no owner):
        // a bounded one still never goes past its initial value.
        release(min(count, bound - value))
    }

    package func describe(at now: NIODeadline) -> ObjectDescription {
        var description = ObjectDescription(fields: [
            "value": .int(Int64(value)),
            "initialValue": bound.map { .int(Int64($0)) } ?? .null,
            "waiters": .int(Int64(acquirers.count)),
            "firstWaiters": acquirers.describeFirst(at: now),
        ])
        // A plain Semaphore is often a signal: what a session took is not its to give back, so
        // only a BoundedSemaphore's permits are holdings (the ones its session's end returns).
        if bound != nil {
            description.holders = held.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { .init(session: $0.key, caller: nil, count: $0.value) }
        }
        var notes = ["value \(value)\(bound.map { " of \($0)" } ?? "")"]
        if !description.holders.isEmpty {
            let permits = description.holders.reduce(0) { $0 + $1.count }
            notes.append("\(permits) permit\(permits == 1 ? "" : "s") held by \(description.holders.count) session\(description.holders.count == 1 ? "" : "s")")
        }
        if let waiting = ObjectDescription.waitingText(acquirers, at: now) { notes.append(waiting) }
        description.summary = notes.joined(separator: "; ")
        return description
    }

    /// Wakes up to `count` waiters and keeps the rest as the value: the cost is the waiters
    /// woken, never the count a client chose. The caller has checked that the value fits.
    private func release(_ count: Int) {
        var left = count
        while left > 0, let waiter = acquirers.popFirst() {
            left -= 1
            held[waiter.call.session.id, default: 0] += 1
            waiter.call.complete(.success(.bool(true)))
        }
        value += left
    }
}
