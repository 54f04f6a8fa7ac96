package import DurableWire
package import NIOCore
import OrderedCollections

/// A shared `WorkQueue`: at-least-once jobs under leases.
///
/// A `take` leases the item at the head to the caller's session under a fresh tag, for the
/// queue's lease or the one the take names. An `ack` with that tag forgets the item. A lease
/// that expires, is nacked or whose session ends puts its item back at the head of the queue
/// (a nack may delay that), one delivery more, or, once it was delivered `maxDeliveries` times,
/// among the dead letters, which `requeue_dead` puts back. A `take` on an empty queue parks
/// until a put; a parked take whose client disconnects is taken off first, so it takes nothing.
///
/// Every move is a journal record (`docs/JOURNAL.md`): calls record through their
/// ``PendingCall``, timers and ended sessions through the ``ObjectContext``. The moves
/// themselves are ``WorkQueueLedger``'s, the same code for calls, timers and replay.
///
/// Only the session holding a lease may ack, nack or extend it (`NotOwner` for another): a tag
/// is a small number another worker could name by mistake. Any caller (task) of that session
/// may, since a worker may hand a job from one task to another.
package final class SharedWorkQueue: SharedObject {
    /// When a lease ends or a delayed item is ready, and the timer that will say so.
    private struct Timer {
        var deadline: NIODeadline
        var task: Scheduled<Void>
    }

    private enum Deadline {
        case leaseEnds, delayEnds
    }

    package private(set) var ledger: WorkQueueLedger
    private var changedSinceCheckpoint = false
    /// Parked takes, each with the lease it asked for.
    private let takers = WaiterQueue<Double>()
    /// Set once the object serves (``activate(_:)``); a reader's object never has one.
    private var context: ObjectContext?
    /// By tag: a lease's end, or a delayed item's return. A tag is in at most one of the two places.
    private var timers: [Int64: Timer] = [:]

    package var hasParkedCalls: Bool { !takers.isEmpty }

    init(ledger: WorkQueueLedger) {
        self.ledger = ledger
    }

    deinit {
        for timer in timers.values { timer.task.cancel() }
    }

    /// `WorkQueue(lease=30, max_deliveries=5)`: the lease a take gets when it names none, in
    /// seconds, and how many deliveries an item gets before it goes to the dead letters.
    package static let type = SharedObjectType(
        typeID: "WorkQueue",
        exposed: ["put", "take", "ack", "nack", "extend", "qsize", "leased", "dead", "requeue_dead"],
        mutating: ["put", "take", "ack", "nack", "extend", "requeue_dead"],
        journaling: .records,
        create: { arguments, _ throws(ManagerError) in
            try arguments.expect(0...2)
            let lease = try arguments.seconds(0, default: 30, what: "lease", positive: true)
            var maxDeliveries: Int64 = 5
            if arguments.count == 2, arguments[1] != .null { maxDeliveries = try arguments.int(1) }
            guard maxDeliveries >= 1 else {
                throw ManagerError(.valueError, "WorkQueue: max_deliveries must be at least 1, got \(maxDeliveries)")
            }
            return SharedWorkQueue(ledger: WorkQueueLedger(defaultLease: lease, maxDeliveries: maxDeliveries))
        },
        restore: { state throws(ManagerError) in
            guard case .whole(let value) = state else { throw ManagerError(.valueError, "a WorkQueue is restored from its whole state") }
            return SharedWorkQueue(ledger: try WorkQueueLedger(state: value))
        }
    )

    // MARK: Calls

    package func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        switch method {
        case "put":
            try arguments.expect(1...1)
            // What a checkpoint writes grows by the item and its fields, and by the session of a
            // parked take that leases it at once.
            let taker = takers.first?.call.session.id.utf8.count ?? 0
            try arguments.checkSize(ledger.weight + arguments[0].encodedSize + WorkQueueLedger.entryOverhead + taker, of: "the work queue")
            ledger.put(arguments[0])
            record("put", [arguments[0]], call, reply: .null)
            handOut()
            return .returned(.null)
        case "take":
            try arguments.expect(0...3)
            let block = try arguments.bool(0, default: true)
            // As Python's queues do, a take that does not block reads no timeout.
            let timeout = block ? try arguments.timeout(1) : nil
            let lease = try arguments.seconds(2, default: ledger.defaultLease, what: "lease", positive: true)
            guard !ledger.queued.isEmpty else {
                guard block, timeout != .zero else { throw ManagerError(.empty, "the work queue is empty") }
                takers.park(call, payload: lease, timeout: timeout) { waiter in
                    waiter.call.complete(.failure(ManagerError(.empty, "the work queue stayed empty until the timeout")))
                }
                return .parked
            }
            try arguments.checkSize(ledger.weight + call.session.id.utf8.count, of: "the work queue")
            return .returned(try deliver(to: call, lease: lease))
        case "ack":
            try arguments.expect(1...1)
            let tag = try arguments.int(0)
            try checkHolder(of: tag, call)
            try ledger.ack(tag)
            record("ack", [.int(tag)], call, reply: .null)
            stopTimer(tag)
            return .returned(.null)
        case "nack":
            try arguments.expect(1...2)
            let tag = try arguments.int(0)
            let delay = try arguments.seconds(1, default: 0, what: "delay", positive: false)
            try checkHolder(of: tag, call)
            let until = delay > 0 ? wallClock + delay : 0
            let destination = try ledger.end(tag, .nacked, delay: delay, until: until)
            record("nack", delay > 0 ? [.int(tag), .double(delay), .double(until)] : [.int(tag)], call, reply: .null)
            leaseEnded(tag, to: destination)
            handOut()
            return .returned(.null)
        case "extend":
            try arguments.expect(2...2)
            let tag = try arguments.int(0)
            let lease = try arguments.seconds(1, default: ledger.defaultLease, what: "lease", positive: true)
            try checkHolder(of: tag, call)
            try ledger.extend(tag, to: lease)
            record("extend", [.int(tag), .double(lease)], call, reply: .null)
            startTimer(tag, in: lease, .leaseEnds)
            return .returned(.null)
        case "qsize":
            try arguments.expect(0...0)
            return .returned(.int(Int64(ledger.queued.count)))
        case "leased":
            try arguments.expect(0...0)
            let now = call.eventLoop.now
            return .returned(.array(ledger.leases.values.map { lease -> Value in
                [
                    "tag": .int(lease.tag), "session": .string(lease.session), "deliveries": .int(lease.item.deliveries),
                    "lease": .double(lease.seconds), "expiresIn": remaining(lease.tag, at: now),
                ]
            }))
        case "dead":
            try arguments.expect(0...0)
            return .returned(.array(ledger.dead.map { .map($0.fields) }))
        case "requeue_dead":
            try arguments.expect(0...0)
            let count = ledger.requeueDead()
            if count > 0 {
                record("requeue_dead", [], call, reply: .int(Int64(count)))
                handOut()
            }
            return .returned(.int(Int64(count)))
        default:
            throw ManagerError(.notExposed, "WorkQueue has no method \(method)")
        }
    }

    /// Leases the item at the head to `call`'s session under the next tag and starts its clock.
    /// - Returns: The take's reply: `{tag, item, deliveries}`.
    private func deliver(to call: PendingCall, lease seconds: Double) throws(ManagerError) -> Value {
        let tag = ledger.nextTag
        let lease = try ledger.take(tag: tag, session: call.session.id, seconds: seconds)
        let delivery: Value = ["tag": .int(tag), "item": lease.item.value, "deliveries": .int(lease.item.deliveries)]
        // The take's reply goes with its record: taken again after a restart, the same delivery.
        record("take", [.int(tag), .string(lease.session), .double(seconds)], call, reply: delivery)
        startTimer(tag, in: seconds, .leaseEnds)
        return delivery
    }

    /// Gives queued items to parked takes, longest-waiting first.
    private func handOut() {
        while !ledger.queued.isEmpty, let taker = takers.popFirst() {
            do {
                taker.call.complete(.success(try deliver(to: taker.call, lease: taker.payload)))
            } catch {
                taker.call.complete(.failure(error))
            }
        }
    }

    private func checkHolder(of tag: Int64, _ call: PendingCall) throws(ManagerError) {
        let lease = try ledger.lease(tag)
        guard lease.session == call.session.id else {
            throw ManagerError(
                .notOwner,
                "tag \(tag) is leased to session \(lease.session), not to this one (\(call.session.id)): only the session that took an item acks, nacks or extends it"
            )
        }
    }

    /// Appends a record of a call's change, with the call's reply; every change a call makes
    /// goes through here.
    private func record(_ op: String, _ arguments: [Value], _ call: PendingCall, reply: Value) {
        changedSinceCheckpoint = true
        call.record(op, arguments, reply: reply)
    }

    /// Appends a record of a change no call made: a timer's, or an ended session's.
    private func record(_ op: String, _ arguments: [Value]) {
        changedSinceCheckpoint = true
        context?.record(op, arguments)
    }

    private var wallClock: Double { context?.wallClock ?? ObjectContext.unixTime() }

    // MARK: Timers and sessions

    /// Starts the clocks of what was restored: every lease gets its whole lease from now (its
    /// holder may still ack it), every delayed item what is left of its delay by the wall clock,
    /// at most the delay itself (a clock set back does not make it longer).
    package func activate(_ context: ObjectContext) {
        self.context = context
        for lease in ledger.leases.values { startTimer(lease.tag, in: lease.seconds, .leaseEnds) }
        let now = context.wallClock
        for waiting in ledger.delayed.values {
            startTimer(waiting.tag, in: min(max(waiting.until - now, 0), waiting.delay), .delayEnds)
        }
    }

    private func startTimer(_ tag: Int64, in seconds: Double, _ kind: Deadline) {
        guard let context else { return }
        timers[tag]?.task.cancel()
        let span = TimeAmount.nanoseconds(Int64(seconds * 1e9))
        let task = context.eventLoop.assumeIsolated().scheduleTask(in: span) { [weak self] () -> Void in
            self?.timerFired(tag, kind)
        }
        timers[tag] = Timer(deadline: context.eventLoop.now + span, task: task)
    }

    private func stopTimer(_ tag: Int64) {
        timers.removeValue(forKey: tag)?.task.cancel()
    }

    private func timerFired(_ tag: Int64, _ kind: Deadline) {
        timers[tag] = nil
        switch kind {
        case .leaseEnds:
            guard let destination = try? ledger.end(tag, .expired) else { return }
            record("expire", [.int(tag)])
            leaseEnded(tag, to: destination)
        case .delayEnds:
            guard (try? ledger.ready(tag)) != nil else { return }
            record("ready", [.int(tag)])
        }
        handOut()
    }

    /// A lease ended without an ack: its clock stops, and a delayed item's starts.
    private func leaseEnded(_ tag: Int64, to destination: WorkQueueLedger.Destination) {
        stopTimer(tag)
        if destination == .delayed, let waiting = ledger.delayed[tag] {
            startTimer(tag, in: waiting.delay, .delayEnds)
        }
    }

    /// The session's leases end; newest first, so that its oldest item ends at the head.
    package func sessionEnded(_ sessionID: String) {
        let tags = ledger.leases.values.filter { $0.session == sessionID }.map(\.tag)
        guard !tags.isEmpty else { return }
        for tag in tags.reversed() {
            guard let destination = try? ledger.end(tag, .sessionEnded) else { continue }
            record("session_ended", [.int(tag)])
            leaseEnded(tag, to: destination)
        }
        handOut()
    }

    /// Seconds until `tag`'s timer fires; null when nothing times it (a reader's object).
    private func remaining(_ tag: Int64, at now: NIODeadline) -> Value {
        timers[tag].map { .double(elapsedSeconds(from: now, to: $0.deadline)) } ?? .null
    }

    // MARK: Journal and inspection

    /// Journal records, as ``call(_:_:_:)`` and the timers append them (`docs/JOURNAL.md`).
    package func replay(_ op: String, _ arguments: Arguments) throws(ManagerError) {
        changedSinceCheckpoint = true
        switch op {
        case "put":
            try arguments.expect(1...1)
            ledger.put(arguments[0])
        case "take":
            try arguments.expect(3...3)
            _ = try ledger.take(tag: try arguments.int(0), session: try arguments.string(1), seconds: try Self.number(arguments, 2))
        case "ack":
            try arguments.expect(1...1)
            try ledger.ack(try arguments.int(0))
        case "nack":
            // [tag], or [tag, delay, until] for a delayed nack.
            guard arguments.count == 1 || arguments.count == 3 else { throw .arity(method: op, expected: "1 or 3", got: arguments.count) }
            let tag = try arguments.int(0)
            if arguments.count == 1 {
                _ = try ledger.end(tag, .nacked)
            } else {
                _ = try ledger.end(tag, .nacked, delay: try Self.number(arguments, 1), until: try Self.number(arguments, 2))
            }
        case "extend":
            try arguments.expect(2...2)
            try ledger.extend(try arguments.int(0), to: try Self.number(arguments, 1))
        case "expire", "session_ended":
            try arguments.expect(1...1)
            _ = try ledger.end(try arguments.int(0), op == "expire" ? .expired : .sessionEnded)
        case "ready":
            try arguments.expect(1...1)
            try ledger.ready(try arguments.int(0))
        case "requeue_dead":
            try arguments.expect(0...0)
            _ = ledger.requeueDead()
        default:
            throw ManagerError(.valueError, "journal: unknown WorkQueue record \(op)")
        }
    }

    /// A number a record holds (seconds, a time); the ledger checks its range.
    private static func number(_ arguments: Arguments, _ index: Int) throws(ManagerError) -> Double {
        switch arguments[index] {
        case .int(let number): Double(number)
        case .double(let number): number
        case let other: throw .wrongType(method: arguments.method, expected: "a number as argument \(index + 1)", got: other)
        }
    }

    package func checkpointChanges(everything: Bool) -> CheckpointChanges? {
        guard everything || changedSinceCheckpoint else { return nil }
        changedSinceCheckpoint = false
        return .whole(currentState)
    }

    package var currentState: Value { ledger.state }

    /// The state with each lease's `expiresIn` and each delayed item's `readyIn`, in seconds.
    package func liveState(at now: NIODeadline) -> Value {
        guard case .map(var fields) = ledger.state else { return ledger.state }
        fields["leased"] = .array(ledger.leases.values.map { lease in
            var entry = lease.fields
            entry["expiresIn"] = remaining(lease.tag, at: now)
            return .map(entry)
        })
        fields["delayed"] = .array(ledger.delayed.values.map { waiting in
            var entry = waiting.fields
            entry["readyIn"] = remaining(waiting.tag, at: now)
            return .map(entry)
        })
        return .map(fields)
    }

    package var heldReferences: [ObjectReference] {
        ledger.allItems.flatMap(\.references)
    }

    package func failWaiters(_ error: ManagerError) {
        for waiter in takers.removeAll() { waiter.call.complete(.failure(error)) }
        for timer in timers.values { timer.task.cancel() }
        timers = [:]
    }

    package func describe(at now: NIODeadline) -> ObjectDescription {
        let firstLeases: [Value] = ledger.leases.values.prefix(ObjectDescription.waitersShown).map { lease in
            ["tag": .int(lease.tag), "session": .string(lease.session), "deliveries": .int(lease.item.deliveries), "expiresIn": remaining(lease.tag, at: now)]
        }
        let fields: OrderedDictionary<Value, Value> = [
            "lease": .double(ledger.defaultLease), "maxDeliveries": .int(ledger.maxDeliveries),
            "queued": .int(Int64(ledger.queued.count)), "leased": .int(Int64(ledger.leases.count)),
            "delayed": .int(Int64(ledger.delayed.count)), "dead": .int(Int64(ledger.dead.count)),
            "firstLeases": .array(firstLeases),
            "takers": .int(Int64(takers.count)), "firstTakers": takers.describeFirst(at: now),
        ]
        var notes: [String] = []
        if let oldest = ledger.leases.values.first {
            let ends = timers[oldest.tag].map { ", ends in \(elapsedText(elapsedSeconds(from: now, to: $0.deadline)))" } ?? ""
            notes.append("\(ledger.leases.count) leased, the oldest (tag \(oldest.tag)) to session \(oldest.session)\(ends)")
        }
        if !ledger.delayed.isEmpty { notes.append("\(ledger.delayed.count) delayed") }
        if !ledger.dead.isEmpty { notes.append("\(ledger.dead.count) dead") }
        if let waiting = ObjectDescription.waitingText(takers, for: " to take", at: now) { notes.append(waiting) }
        var leasesBySession: OrderedDictionary<String, Int> = [:]
        for lease in ledger.leases.values { leasesBySession[lease.session, default: 0] += 1 }
        return ObjectDescription(
            size: ledger.queued.count, fields: fields, summary: notes.isEmpty ? "-" : notes.joined(separator: "; "),
            holders: leasesBySession.map { ObjectDescription.Holder(session: $0.key, caller: nil, count: $0.value) }
        )
    }
}
