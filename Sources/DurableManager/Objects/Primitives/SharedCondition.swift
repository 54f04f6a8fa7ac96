package import DurableWire
package import NIOCore

/// A shared `Condition` over its own RLock or a given Lock or RLock.
///
/// `wait` gives the lock up, parks, and takes the lock back before it answers: `true` when
/// notified, `false` when the timeout passed. `wait_for`'s predicate runs in the client, which
/// calls `wait` until it holds, as Python's proxy does.
package final class SharedCondition: SharedObject {
    private let lock: SharedLock
    /// The lock the creator passed, which this condition keeps alive; nil when it owns its lock.
    private let lockReference: ObjectReference?
    /// Each waiter's saved recursion depth.
    private let waiters = WaiterQueue<Int>()

    package var hasParkedCalls: Bool { !waiters.isEmpty }

    init(lock: SharedLock, lockReference: ObjectReference?) {
        self.lock = lock
        self.lockReference = lockReference
    }

    package static let type = SharedObjectType(
        typeID: "Condition",
        exposed: ["acquire", "release", "locked", "wait", "notify", "notify_all"],
        mutating: ["acquire", "release", "wait", "notify", "notify_all"]
    ) { arguments, context throws(ManagerError) in
        try arguments.expect(0...1)
        guard arguments.count == 1, arguments[0] != .null else {
            return SharedCondition(lock: SharedLock(reentrant: true), lockReference: nil)
        }
        let reference = try arguments.reference(0)
        guard let lock = try context.resolve(reference) as? SharedLock else {
            throw ManagerError(.wrongType, "Condition takes a Lock or an RLock, got \(reference)")
        }
        return SharedCondition(lock: lock, lockReference: reference)
    }

    package func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        switch method {
        case "acquire", "release", "locked":
            return try lock.call(method, arguments, call)
        case "wait":
            try arguments.expect(0...1)
            let timeout = try arguments.timeout(0)
            try lock.checkHeld(by: call.owner, action: "wait on")
            let depth = lock.releaseFully()
            waiters.park(call, payload: depth, timeout: timeout) { [lock] waiter in
                lock.reacquire(for: waiter.call, grant: .init(depth: waiter.payload, result: .bool(false)))
            }
            return .parked
        case "notify":
            try arguments.expect(0...1)
            try lock.checkHeld(by: call.owner, action: "notify on")
            try wake(max(0, Int(arguments.int(0, default: 1))))
            return .returned(.null)
        case "notify_all":
            try arguments.expect(0...0)
            try lock.checkHeld(by: call.owner, action: "notify on")
            try wake(waiters.count)
            return .returned(.null)
        default:
            throw ManagerError(.notExposed, "Condition has no method \(method)")
        }
    }

    package var heldReferences: [ObjectReference] { lockReference.map { [$0] } ?? [] }

    package func describe(at now: NIODeadline) -> ObjectDescription {
        let lockState = lock.describe(at: now)
        var description = ObjectDescription(fields: [
            // The id, not a reference: a reference in a reply would count as a proxy of the asker's.
            "lock": lockReference.map { .int(Int64(bitPattern: $0.id)) } ?? "own",
            "locked": lockState.fields["locked"] ?? .null,
            "holder": lockState.fields["holder"] ?? .null,
            "waiters": .int(Int64(waiters.count)),
            "firstWaiters": waiters.describeFirst(at: now),
        ])
        let lockName = lockReference.map { "lock #\($0.id)" } ?? "lock"
        description.summary = ["\(lockName) \(lock.heldText(at: now))", ObjectDescription.waitingText(waiters, for: " for a notify", at: now)]
            .compactMap { $0 }.joined(separator: "; ")
        // A lock of its own is held through the condition; a shared lock reports its holder itself.
        if lockReference == nil { description.holders = lockState.holders }
        return description
    }

    package func sessionEnded(_ sessionID: String) {
        if lockReference == nil { lock.sessionEnded(sessionID) }
    }

    private func wake(_ count: Int) throws(ManagerError) {
        for _ in 0..<count {
            guard let waiter = waiters.popFirst() else { return }
            lock.reacquire(for: waiter.call, grant: .init(depth: waiter.payload, result: .bool(true)))
        }
    }
}
