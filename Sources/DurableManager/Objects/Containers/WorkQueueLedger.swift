package import DequeModule
package import DurableWire
package import OrderedCollections

/// Where each item of a WorkQueue is, and how it moves from place to place: the WorkQueue's
/// state machine, with no timer, call or journal in it.
///
/// ```
/// put ──▶ queued ──take──▶ leased ──ack──▶ (forgotten)
///           ▲                │ expire, nack, session end:
///           │  head          ├─ deliveries < maxDeliveries ──▶ queued, at the head
///           │                ├─ ... with a nack's delay ──▶ delayed ──ready──▶ queued, at the head
///           └─requeue_dead── └─ deliveries = maxDeliveries ──▶ dead
/// ```
///
/// Live calls, timers and the journal's replay all move items through these methods, so a
/// record replays exactly what happened. Each method checks everything before it changes
/// anything: when it throws, the ledger is as it was.
package struct WorkQueueLedger: Equatable {
    /// An item and how many times it was handed out.
    package struct Item: Equatable {
        package var value: Value
        package var deliveries: Int64
        /// The item's encoded size, counted once.
        fileprivate let size: Int

        init(_ value: Value, deliveries: Int64) {
            self.value = value
            self.deliveries = deliveries
            size = value.encodedSize
        }
    }

    /// An item handed out under `tag` to `session`, for `seconds` unless extended.
    package struct Lease: Equatable {
        package var tag: Int64
        package var item: Item
        package var session: String
        package var seconds: Double
    }

    /// An item nacked with a delay: it goes back to the head of the queue at `until` (seconds
    /// since 1970), `delay` seconds after the nack.
    package struct Delayed: Equatable {
        /// The tag of the delivery that was nacked.
        package var tag: Int64
        package var item: Item
        package var delay: Double
        package var until: Double
    }

    /// How a lease ended without an ack.
    package enum LeaseEnd: String, CaseIterable {
        case expired, nacked, sessionEnded
    }

    /// An item delivered `maxDeliveries` times whose last lease ended without an ack.
    package struct DeadLetter: Equatable {
        package var item: Item
        package var reason: LeaseEnd
    }

    /// Where an item went when its lease ended without an ack.
    package enum Destination: Equatable {
        case queued, delayed, dead
    }

    /// Bytes a checkpoint writes around each item at most (its map's keys, tag, deliveries,
    /// times, reason), besides a lease's session; counted in ``weight``.
    static let entryOverhead = 128

    /// The lease a take gets when it names none, in seconds.
    package let defaultLease: Double
    /// How many times an item is handed out before it goes to the dead letters.
    package let maxDeliveries: Int64
    /// Ready to take, the head first.
    package private(set) var queued: Deque<Item> = []
    /// By tag, oldest first.
    package private(set) var leases: OrderedDictionary<Int64, Lease> = [:]
    /// By the tag of the nacked delivery, oldest first.
    package private(set) var delayed: OrderedDictionary<Int64, Delayed> = [:]
    package private(set) var dead: [DeadLetter] = []
    /// The tag the next take gets: tags only grow, and the checkpoint keeps this, so a tag is
    /// never reused, across restarts too.
    package private(set) var nextTag: Int64 = 1
    /// Items' sizes with their overhead, and leases' sessions: a bound on the encoded state,
    /// which puts and takes check against `--max-value-size`.
    package private(set) var weight = 64

    package init(defaultLease: Double, maxDeliveries: Int64) {
        self.defaultLease = defaultLease
        self.maxDeliveries = maxDeliveries
    }

    // MARK: Moves

    /// Puts `value` at the back.
    package mutating func put(_ value: Value) {
        let item = Item(value, deliveries: 0)
        queued.append(item)
        weight += item.size + Self.entryOverhead
    }

    /// Leases the item at the head to `session` under `tag`, one more delivery.
    /// - Throws: `Empty` when nothing is queued; `ValueError` for a tag below ``nextTag`` or a
    ///   lease that is not a span; `OverflowError` when tags are used up.
    package mutating func take(tag: Int64, session: String, seconds: Double) throws(ManagerError) -> Lease {
        guard var item = queued.first else { throw ManagerError(.empty, "the work queue is empty") }
        guard tag >= nextTag else { throw ManagerError(.valueError, "tag \(tag) is below the next tag, \(nextTag): tags only grow") }
        guard tag < .max else { throw ManagerError(.overflowError, "the work queue has used up its tags") }
        try Self.checkSpan(seconds, "lease", positive: true)
        queued.removeFirst()
        // A queued item was delivered fewer than maxDeliveries times (see `end`), so this cannot overflow.
        item.deliveries += 1
        let lease = Lease(tag: tag, item: item, session: session, seconds: seconds)
        leases[tag] = lease
        nextTag = tag + 1
        weight += session.utf8.count
        return lease
    }

    /// Forgets the item leased under `tag`: its work is done.
    /// - Throws: `KeyError` when no lease has that tag.
    @discardableResult
    package mutating func ack(_ tag: Int64) throws(ManagerError) -> Lease {
        let lease = try self.lease(tag)
        leases[tag] = nil
        weight -= lease.item.size + Self.entryOverhead + lease.session.utf8.count
        return lease
    }

    /// Sets the lease under `tag` to `seconds` (from now, for the object that times it).
    /// - Throws: `KeyError` when no lease has that tag; `ValueError` for a span that is not one.
    package mutating func extend(_ tag: Int64, to seconds: Double) throws(ManagerError) {
        _ = try lease(tag)
        try Self.checkSpan(seconds, "lease", positive: true)
        leases[tag]?.seconds = seconds
    }

    /// Ends the lease under `tag` without an ack: its item goes to the dead letters once it was
    /// delivered ``maxDeliveries`` times, else back to the head of the queue, or, with a `delay`,
    /// to the delayed items until `until`.
    /// - Throws: `KeyError` when no lease has that tag; `ValueError` for a delay or time that is
    ///   not a number of seconds.
    package mutating func end(_ tag: Int64, _ reason: LeaseEnd, delay: Double = 0, until: Double = 0) throws(ManagerError) -> Destination {
        let lease = try self.lease(tag)
        try Self.checkSpan(delay, "delay", positive: false)
        guard until.isFinite else { throw ManagerError(.valueError, "a delayed item's time must be finite, got \(until)") }
        leases[tag] = nil
        weight -= lease.session.utf8.count
        if lease.item.deliveries >= maxDeliveries {
            dead.append(DeadLetter(item: lease.item, reason: reason))
            return .dead
        }
        if delay > 0 {
            delayed[tag] = Delayed(tag: tag, item: lease.item, delay: delay, until: until)
            return .delayed
        }
        queued.prepend(lease.item)
        return .queued
    }

    /// Puts the item nacked under `tag` back at the head of the queue: its delay passed.
    /// - Throws: `KeyError` when no delayed item has that tag.
    package mutating func ready(_ tag: Int64) throws(ManagerError) {
        guard let waiting = delayed.removeValue(forKey: tag) else {
            throw ManagerError(.keyError, "no delayed item has tag \(tag)")
        }
        queued.prepend(waiting.item)
    }

    /// Puts every dead letter at the back of the queue, oldest first, as new items (no deliveries).
    /// - Returns: How many went back.
    package mutating func requeueDead() -> Int {
        let count = dead.count
        for letter in dead { queued.append(Item(letter.item.value, deliveries: 0)) }
        dead = []
        return count
    }

    /// The lease under `tag`.
    /// - Throws: `KeyError` that says whether the tag was ever handed out.
    package func lease(_ tag: Int64) throws(ManagerError) -> Lease {
        if let lease = leases[tag] { return lease }
        guard tag >= 1, tag < nextTag else {
            throw ManagerError(.keyError, "no delivery has had tag \(tag)\(nextTag > 1 ? " (the tags so far are 1 to \(nextTag - 1))" : " (nothing was taken yet)")")
        }
        throw ManagerError(
            .keyError,
            "tag \(tag) is no longer leased: it was acked, or its lease ended (it expired, was nacked, or its session ended); an item handed out again has a new tag"
        )
    }

    /// Every item the ledger holds, wherever it is.
    package var allItems: [Value] {
        queued.map(\.value) + leases.values.map(\.item.value) + delayed.values.map(\.item.value) + dead.map(\.item.value)
    }

    /// Refuses a lease, delay or extension that is not a number of seconds a timer can wait.
    private static func checkSpan(_ seconds: Double, _ what: String, positive: Bool) throws(ManagerError) {
        guard !seconds.isNaN, positive ? seconds > 0 : seconds >= 0, seconds <= Arguments.longestSpan else {
            throw ManagerError(.valueError, "a \(what) must be a \(positive ? "positive" : "non-negative") number of seconds up to \(Arguments.longestSpan), got \(seconds)")
        }
    }
}

// MARK: The state as a value

extension WorkQueueLedger {
    /// The whole state, as a checkpoint writes it and ``init(state:)`` reads it back
    /// (`docs/JOURNAL.md`): settings, the next tag, and the items where they are.
    package var state: Value {
        [
            "lease": .double(defaultLease),
            "maxDeliveries": .int(maxDeliveries),
            "nextTag": .int(nextTag),
            "queued": .array(queued.map { .map($0.fields) }),
            "leased": .array(leases.values.map { .map($0.fields) }),
            "delayed": .array(delayed.values.map { .map($0.fields) }),
            "dead": .array(dead.map { .map($0.fields) }),
        ]
    }

    /// Reads a state back, checking everything a damaged journal could get wrong: each number
    /// where it can be, each tag below the next, no tag twice, each item's deliveries where its
    /// place allows.
    /// - Throws: `ValueError` naming what is wrong.
    package init(state: Value) throws(ManagerError) {
        guard case .map(let fields) = state else { throw Self.damaged("a map", state) }
        let lease = try Self.seconds(fields["lease"], "lease")
        let maxDeliveries = try Self.int(fields["maxDeliveries"], "maxDeliveries")
        guard lease > 0, maxDeliveries >= 1 else { throw Self.damaged("a positive lease and maxDeliveries", state) }
        self.init(defaultLease: lease, maxDeliveries: maxDeliveries)
        nextTag = try Self.int(fields["nextTag"], "nextTag")
        guard nextTag >= 1 else { throw Self.damaged("nextTag of at least 1", .int(nextTag)) }
        for entry in try Self.entries(fields["queued"], "queued") {
            let item = try Self.item(entry, deliveries: 0..<maxDeliveries)
            queued.append(item)
            weight += item.size + Self.entryOverhead
        }
        for entry in try Self.entries(fields["leased"], "leased") {
            let item = try Self.item(entry, deliveries: 1..<(maxDeliveries == .max ? .max : maxDeliveries + 1))
            let tag = try newTag(entry)
            guard case .string(let session)? = entry["session"] else { throw Self.damaged("a lease's session", .map(entry)) }
            let seconds = try Self.seconds(entry["lease"], "lease")
            guard seconds > 0 else { throw Self.damaged("a positive lease", .map(entry)) }
            leases[tag] = Lease(tag: tag, item: item, session: session, seconds: seconds)
            weight += item.size + Self.entryOverhead + session.utf8.count
        }
        for entry in try Self.entries(fields["delayed"], "delayed") {
            let item = try Self.item(entry, deliveries: 0..<maxDeliveries)
            let tag = try newTag(entry)
            let delay = try Self.seconds(entry["delay"], "delay")
            guard let until = entry["until"]?.seconds, until.isFinite else { throw Self.damaged("a delayed item's time", .map(entry)) }
            delayed[tag] = Delayed(tag: tag, item: item, delay: delay, until: until)
            weight += item.size + Self.entryOverhead
        }
        for entry in try Self.entries(fields["dead"], "dead") {
            let item = try Self.item(entry, deliveries: 0..<Int64.max)
            guard case .string(let name)? = entry["reason"], let reason = LeaseEnd(rawValue: name) else {
                throw Self.damaged("a dead letter's reason (\(LeaseEnd.allCases.map(\.rawValue).joined(separator: ", ")))", .map(entry))
            }
            dead.append(DeadLetter(item: item, reason: reason))
            weight += item.size + Self.entryOverhead
        }
    }

    /// The tag of a lease or delayed item being read back: below the next tag, and not seen yet.
    private func newTag(_ entry: OrderedDictionary<Value, Value>) throws(ManagerError) -> Int64 {
        let tag = try Self.int(entry["tag"], "tag")
        guard tag >= 1, tag < nextTag, leases[tag] == nil, delayed[tag] == nil else {
            throw Self.damaged("a tag from 1 to nextTag - 1 (\(nextTag - 1)), each once", .map(entry))
        }
        return tag
    }

    private static func entries(_ value: Value?, _ what: String) throws(ManagerError) -> [OrderedDictionary<Value, Value>] {
        guard case .array(let values)? = value else { throw damaged("a list of \(what) items", value ?? .null) }
        var entries: [OrderedDictionary<Value, Value>] = []
        for value in values {
            guard case .map(let entry) = value else { throw damaged("a map for each \(what) item", value) }
            entries.append(entry)
        }
        return entries
    }

    private static func item(_ entry: OrderedDictionary<Value, Value>, deliveries range: Range<Int64>) throws(ManagerError) -> Item {
        guard let value = entry["item"] else { throw damaged("an item", .map(entry)) }
        let deliveries = try int(entry["deliveries"], "deliveries")
        guard range.contains(deliveries) else { throw damaged("deliveries from \(range.lowerBound) to \(range.upperBound - 1)", .map(entry)) }
        return Item(value, deliveries: deliveries)
    }

    private static func int(_ value: Value?, _ what: String) throws(ManagerError) -> Int64 {
        guard case .int(let number)? = value else { throw damaged("an int \(what)", value ?? .null) }
        return number
    }

    /// A span from a state: an int or a double from 0 to the longest span a call may ask for.
    private static func seconds(_ value: Value?, _ what: String) throws(ManagerError) -> Double {
        guard let seconds = value?.seconds, seconds >= 0, seconds <= Arguments.longestSpan else {
            throw damaged("a \(what) in seconds, from 0 to \(Arguments.longestSpan)", value ?? .null)
        }
        return seconds
    }

    private static func damaged(_ expected: String, _ got: Value) -> ManagerError {
        ManagerError(.valueError, "a WorkQueue's state needs \(expected), got \(got)")
    }
}

extension WorkQueueLedger.Item {
    package var fields: OrderedDictionary<Value, Value> {
        ["item": value, "deliveries": .int(deliveries)]
    }
}

extension WorkQueueLedger.Lease {
    package var fields: OrderedDictionary<Value, Value> {
        ["tag": .int(tag), "item": item.value, "deliveries": .int(item.deliveries), "session": .string(session), "lease": .double(seconds)]
    }
}

extension WorkQueueLedger.Delayed {
    package var fields: OrderedDictionary<Value, Value> {
        ["tag": .int(tag), "item": item.value, "deliveries": .int(item.deliveries), "delay": .double(delay), "until": .double(until)]
    }
}

extension WorkQueueLedger.DeadLetter {
    package var fields: OrderedDictionary<Value, Value> {
        ["item": item.value, "deliveries": .int(item.deliveries), "reason": .string(reason.rawValue)]
    }
}

extension Value {
    /// An int or a double as seconds; nil for anything else or NaN.
    fileprivate var seconds: Double? {
        switch self {
        case .int(let number): Double(number)
        case .double(let number) where !number.isNaN: number
        default: nil
        }
    }
}
