package import DurableWire
package import NIOCore

/// A shared `Lock` or `RLock`.
///
/// The holder is a caller inside a session (``LockOwner``), as a Python lock's is a thread. An
/// RLock may be taken again by its holder and must be released as often. Releasing a lock the
/// caller does not hold is a `NotOwner` error. When the holder's session ends, the lock is
/// released and handed to the next waiter, so a dead worker cannot wedge the rest.
///
/// A successful `acquire` answers a fencing token: an int larger than every token the lock gave
/// before, across restarts too (the run's epoch is its upper bits), which is true to Python (a
/// nonzero int) and lets a resource refuse a holder that a restart or a long pause replaced.
package final class SharedLock: SharedObject {
    /// What a waiter receives when the lock comes to it: the recursion depth to restore (a
    /// Condition's waiter gets back the depth it gave up) and the reply: nil for an `acquire`,
    /// which is answered with its new fencing token.
    package struct Grant {
        var depth: Int
        var result: Value?
    }

    let reentrant: Bool
    package private(set) var holder: LockOwner?
    private var depth = 0
    /// When the holder took the lock, for an operator: a lock held for an hour is news.
    private var heldSince: NIODeadline?
    private let acquirers = WaiterQueue<Grant>()
    /// Acquires granted in this run: the low bits of the next fencing token.
    private var grants: UInt64 = 0

    package var hasParkedCalls: Bool { !acquirers.isEmpty }

    init(reentrant: Bool) {
        self.reentrant = reentrant
    }

    package static let type = lockType(typeID: "Lock", reentrant: false)
    package static let reentrantType = lockType(typeID: "RLock", reentrant: true)

    private static func lockType(typeID: String, reentrant: Bool) -> SharedObjectType {
        SharedObjectType(typeID: typeID, exposed: ["acquire", "release", "locked"], mutating: ["acquire", "release"]) { arguments, _ throws(ManagerError) in
            try arguments.expect(0...0)
            return SharedLock(reentrant: reentrant)
        }
    }

    private var typeName: String { reentrant ? "RLock" : "Lock" }

    package func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        switch method {
        case "acquire":
            try arguments.expect(0...2)
            let blocking = try arguments.bool(0, default: true)
            return acquire(call, blocking: blocking, timeout: try Self.timeout(arguments, blocking: blocking))
        case "release":
            try arguments.expect(0...0)
            try checkHeld(by: call.owner, action: "release")
            depth -= 1
            if depth == 0 { handOff() }
            return .returned(.null)
        case "locked":
            try arguments.expect(0...0)
            return .returned(.bool(holder != nil))
        default:
            throw ManagerError(.notExposed, "\(typeName) has no method \(method)")
        }
    }

    package func sessionEnded(_ sessionID: String) {
        guard holder?.session == sessionID else { return }
        depth = 0
        handOff()
    }

    private func acquire(_ call: PendingCall, blocking: Bool, timeout: TimeAmount?) -> CallOutcome {
        if holder == nil {
            return .returned(take(for: call, depth: 1))
        }
        if reentrant, holder == call.owner {
            depth += 1
            return .returned(fencingToken(for: call))
        }
        guard blocking, timeout != .zero else { return .returned(.bool(false)) }
        acquirers.park(call, payload: Grant(depth: 1, result: nil), timeout: timeout) { waiter in
            waiter.call.complete(.success(.bool(false)))
        }
        return .parked
    }

    /// The timeout of `acquire(blocking, timeout)` as Python's lock reads it: -1 (its default)
    /// waits forever, another negative value or NaN is refused, and so is any timeout for a
    /// non-blocking call.
    private static func timeout(_ arguments: Arguments, blocking: Bool) throws(ManagerError) -> TimeAmount? {
        guard arguments.count == 2, arguments[1] != .null, !arguments[1].pythonEquals(-1) else { return nil }
        let timeout = try arguments.timeout(1)
        guard blocking else { throw ManagerError(.valueError, "can't specify a timeout for a non-blocking call") }
        return timeout
    }

    func checkHeld(by owner: LockOwner, action: String) throws(ManagerError) {
        guard let holder else {
            throw ManagerError(.notOwner, "cannot \(action) an un-acquired \(typeName)")
        }
        guard holder == owner else {
            throw ManagerError(.notOwner, "cannot \(action) a \(typeName) held by another caller (\(holder))")
        }
    }

    /// Gives the lock up entirely for a Condition's `wait`.
    /// - Returns: The recursion depth to restore when the waiter gets the lock back.
    func releaseFully() -> Int {
        let saved = depth
        depth = 0
        handOff()
        return saved
    }

    /// Takes the lock for `call` with `grant`, now if it is free, or when it comes free.
    func reacquire(for call: PendingCall, grant: Grant) {
        if holder == nil {
            let token = take(for: call, depth: grant.depth)
            call.complete(.success(grant.result ?? token))
        } else {
            acquirers.park(call, payload: grant, timeout: nil) { _ in }
        }
    }

    /// Gives the lock to `call`.
    /// - Returns: Its new fencing token.
    private func take(for call: PendingCall, depth: Int) -> Value {
        holder = call.owner
        self.depth = depth
        heldSince = call.eventLoop.now
        return fencingToken(for: call)
    }

    /// The next token: the run's epoch (from the object's id) above a count of this run's
    /// grants, so it only grows, restart or not.
    private func fencingToken(for call: PendingCall) -> Value {
        grants += 1
        let epoch = call.target >> ObjectReference.epochShift
        return .int(Int64(bitPattern: epoch << ObjectReference.epochShift | grants))
    }

    private func handOff() {
        holder = nil
        heldSince = nil
        guard let next = acquirers.popFirst() else { return }
        let token = take(for: next.call, depth: next.payload.depth)
        next.call.complete(.success(next.payload.result ?? token))
    }

    package func describe(at now: NIODeadline) -> ObjectDescription {
        var description = ObjectDescription(fields: [
            "locked": .bool(holder != nil),
            "holder": holder.map { .map($0.fields) } ?? .null,
            "heldFor": heldSince.map { ObjectDescription.seconds(from: $0, to: now) } ?? .null,
            "depth": .int(Int64(depth)),
            "waiters": .int(Int64(acquirers.count)),
            "firstWaiters": acquirers.describeFirst(at: now),
        ])
        description.summary = [heldText(at: now), ObjectDescription.waitingText(acquirers, at: now)].compactMap { $0 }.joined(separator: "; ")
        if let holder { description.holders = [.init(session: holder.session, caller: holder.owner, count: depth)] }
        return description
    }

    /// "held by session 9f2c caller 3 for 4.2 s" (and the depth of an RLock taken again), or "free".
    func heldText(at now: NIODeadline) -> String {
        guard let holder else { return "free" }
        let since = heldSince.map { " for \(elapsedText(elapsedSeconds(from: $0, to: now)))" } ?? ""
        return "held by \(holder)\(since)\(depth > 1 ? " (depth \(depth))" : "")"
    }
}
