@testable import DurableManager
import DurableWire
import Testing

/// The WorkQueue's state machine by itself: where each move sends an item, what it refuses
/// (changing nothing), and the state it writes and reads back.
struct WorkQueueLedgerTests {
    private func ledger(maxDeliveries: Int64 = 3, items: [Value] = ["a", "b"]) -> WorkQueueLedger {
        var ledger = WorkQueueLedger(defaultLease: 30, maxDeliveries: maxDeliveries)
        for item in items { ledger.put(item) }
        return ledger
    }

    @Test func aTakeLeasesTheHeadOneDeliveryMoreUnderTheNextTag() throws {
        var ledger = ledger()
        let first = try ledger.take(tag: ledger.nextTag, session: "s", seconds: 5)
        #expect(first.tag == 1 && first.item.value == "a" && first.item.deliveries == 1 && first.seconds == 5)
        let second = try ledger.take(tag: ledger.nextTag, session: "t", seconds: 30)
        #expect(second.tag == 2 && second.item.value == "b")
        #expect(ledger.queued.isEmpty)
        #expect(Array(ledger.leases.keys) == [1, 2])
        #expect(ledger.nextTag == 3)
        #expect(throws: ManagerError(.empty, "the work queue is empty")) { try ledger.take(tag: 3, session: "s", seconds: 5) }
    }

    @Test func anAckForgetsTheItemAndItsWeight() throws {
        var ledger = ledger(items: ["a"])
        let empty = WorkQueueLedger(defaultLease: 30, maxDeliveries: 3).weight
        _ = try ledger.take(tag: 1, session: "session", seconds: 5)
        try ledger.ack(1)
        #expect(ledger.leases.isEmpty && ledger.queued.isEmpty)
        #expect(ledger.weight == empty)
        #expect(ledger.nextTag == 2)
    }

    @Test func aLeaseThatEndsSendsItsItemToTheHeadThenToTheDeadLetters() throws {
        var ledger = ledger(maxDeliveries: 2)
        _ = try ledger.take(tag: 1, session: "s", seconds: 5)
        #expect(try ledger.end(1, .expired) == .queued)
        #expect(ledger.queued.map(\.value) == ["a", "b"])
        #expect(ledger.queued.first?.deliveries == 1)
        let again = try ledger.take(tag: 2, session: "s", seconds: 5)
        #expect(again.item.value == "a" && again.item.deliveries == 2)
        #expect(try ledger.end(2, .sessionEnded) == .dead)
        #expect(ledger.dead == [.init(item: again.item, reason: .sessionEnded)])
        #expect(ledger.queued.map(\.value) == ["b"])
    }

    @Test func aDelayedNackWaitsAsideUntilReady() throws {
        var ledger = ledger()
        _ = try ledger.take(tag: 1, session: "s", seconds: 5)
        #expect(try ledger.end(1, .nacked, delay: 10, until: 1_000_010) == .delayed)
        #expect(ledger.delayed[1]?.until == 1_000_010)
        #expect(ledger.queued.map(\.value) == ["b"])
        try ledger.ready(1)
        #expect(ledger.queued.map(\.value) == ["a", "b"])
        #expect(throws: ManagerError.self) { try ledger.ready(1) }
    }

    @Test func theLastDeliveryGoesToTheDeadLettersEvenWithADelay() throws {
        var ledger = ledger(maxDeliveries: 1)
        _ = try ledger.take(tag: 1, session: "s", seconds: 5)
        #expect(try ledger.end(1, .nacked, delay: 10, until: 5) == .dead)
        #expect(ledger.delayed.isEmpty)
        #expect(ledger.dead.map(\.reason) == [.nacked])
    }

    @Test func requeueDeadPutsTheDeadLettersAtTheBackAsNewItems() throws {
        var ledger = ledger(maxDeliveries: 1, items: ["a", "b", "c"])
        for tag: Int64 in 1...2 {
            _ = try ledger.take(tag: tag, session: "s", seconds: 5)
            _ = try ledger.end(tag, .expired)
        }
        #expect(ledger.requeueDead() == 2)
        #expect(ledger.queued.map(\.value) == ["c", "a", "b"])
        #expect(ledger.queued.map(\.deliveries) == [0, 0, 0])
        #expect(ledger.requeueDead() == 0)
    }

    @Test func tagsOnlyGrow() throws {
        var ledger = ledger()
        _ = try ledger.take(tag: 7, session: "s", seconds: 5)
        #expect(ledger.nextTag == 8)
        let before = ledger
        #expect(throws: ManagerError.self) { try ledger.take(tag: 7, session: "s", seconds: 5) }
        #expect(throws: ManagerError.self) { try ledger.take(tag: .max, session: "s", seconds: 5) }
        #expect(ledger == before)
    }

    @Test func anUnknownTagIsAKeyErrorThatSaysWhy() throws {
        var ledger = ledger()
        _ = try ledger.take(tag: 1, session: "s", seconds: 5)
        try ledger.ack(1)
        let before = ledger
        for (tag, words) in [(Int64(1), "no longer leased"), (2, "no delivery has had tag 2"), (0, "no delivery"), (-3, "no delivery")] {
            do {
                try ledger.ack(tag)
                Issue.record("ack \(tag) went through")
            } catch {
                #expect(error.code == .keyError)
                #expect(error.message.contains(words), "\(error.message)")
            }
        }
        #expect(throws: ManagerError.self) { try ledger.extend(9, to: 5) }
        #expect(throws: ManagerError.self) { _ = try ledger.end(9, .nacked) }
        #expect(ledger == before)
    }

    @Test func numbersATimerCannotWaitAreRefusedAndChangeNothing() throws {
        var ledger = ledger()
        _ = try ledger.take(tag: 1, session: "s", seconds: 5)
        let before = ledger
        for seconds in [0, -1, .nan, .infinity, 2e9] {
            #expect(throws: ManagerError.self) { try ledger.extend(1, to: seconds) }
            #expect(throws: ManagerError.self) { try ledger.take(tag: 2, session: "s", seconds: seconds) }
        }
        for delay in [-1, .nan, .infinity] {
            #expect(throws: ManagerError.self) { _ = try ledger.end(1, .nacked, delay: delay, until: 0) }
        }
        #expect(throws: ManagerError.self) { _ = try ledger.end(1, .nacked, delay: 1, until: .nan) }
        #expect(ledger == before)
    }

    @Test func theStateReadsBackAsTheSameLedger() throws {
        var ledger = ledger(maxDeliveries: 2, items: ["a", ["b": [1]], 3, "d"])
        _ = try ledger.take(tag: 1, session: "s", seconds: 5)
        _ = try ledger.end(1, .nacked, delay: 10, until: 1_700_000_000.5)
        _ = try ledger.take(tag: 2, session: "s", seconds: 5)
        _ = try ledger.end(2, .expired)
        _ = try ledger.take(tag: 3, session: "s", seconds: 5)
        _ = try ledger.end(3, .expired)
        _ = try ledger.take(tag: 4, session: "t", seconds: 7.5)
        let restored = try WorkQueueLedger(state: ledger.state)
        #expect(restored == ledger)
        #expect(restored.weight == ledger.weight)
        #expect(restored.state == ledger.state)
        // The items nest three levels inside the state: a list of maps in a map.
        #expect(ledger.state.nesting == 3 + 2)
    }

    @Test(arguments: [
        "not a map", "no lease", "zero lease", "zero maxDeliveries", "a tag at nextTag", "a tag twice",
        "too many deliveries", "a queued item delivered maxDeliveries times", "a NaN time", "an unknown reason", "a bad entry",
    ])
    func aDamagedStateIsRefused(_ damage: String) throws {
        var ledger = ledger()
        _ = try ledger.take(tag: 1, session: "s", seconds: 5)
        _ = try ledger.take(tag: 2, session: "s", seconds: 5)
        _ = try ledger.end(2, .nacked, delay: 3, until: 10)
        guard case .map(var fields) = ledger.state else { throw HarnessError("the state is not a map") }
        let lease: Value = ["tag": 1, "item": "a", "deliveries": 1, "session": "s", "lease": 5.0]
        switch damage {
        case "no lease": fields["lease"] = nil
        case "zero lease": fields["lease"] = 0
        case "zero maxDeliveries": fields["maxDeliveries"] = 0
        case "a tag at nextTag": fields["leased"] = [["tag": 3, "item": "a", "deliveries": 1, "session": "s", "lease": 5.0]]
        case "a tag twice": fields["leased"] = [lease, lease]
        case "too many deliveries": fields["leased"] = [["tag": 1, "item": "a", "deliveries": 4, "session": "s", "lease": 5.0]]
        case "a queued item delivered maxDeliveries times": fields["queued"] = [["item": "x", "deliveries": 3]]
        case "a NaN time": fields["delayed"] = [["tag": 2, "item": "b", "deliveries": 1, "delay": 3.0, "until": .double(.nan)]]
        case "an unknown reason": fields["dead"] = [["item": "x", "deliveries": 3, "reason": "tired"]]
        default: fields["queued"] = ["x"]
        }
        let state: Value = damage == "not a map" ? .array([.map(fields)]) : .map(fields)
        #expect(throws: ManagerError.self) { try WorkQueueLedger(state: state) }
    }
}
