@testable import DurableManager
import DurableWire
import NIOCore
import Testing

/// A shared `WorkQueue` on the real handler and store, with the loop's clock moved by hand:
/// leases, acks, nacks, expiry, sessions that end, dead letters, blocking takes, and what it
/// refuses.
struct WorkQueueTests {
    /// A take's reply, read.
    struct Taken: Equatable {
        var tag: Int64
        var item: Value
        var deliveries: Int64
    }

    private func take(_ client: HarnessClient, _ queue: ObjectReference, _ arguments: [Value] = []) throws -> Taken {
        try Self.taken(client.value(queue, "take", arguments))
    }

    static func taken(_ reply: Value) throws -> Taken {
        guard case .int(let tag)? = reply[field: "tag"], let item = reply[field: "item"], case .int(let deliveries)? = reply[field: "deliveries"] else {
            throw HarnessError("take answered \(reply)")
        }
        return Taken(tag: tag, item: item, deliveries: deliveries)
    }

    private func state(_ harness: ManagerHarness, _ queue: ObjectReference) -> Value {
        harness.store.objects[queue.id]?.object.currentState ?? .null
    }

    // MARK: Take, ack, nack

    @Test func aTakeLeasesTheHeadAndAnAckForgetsIt() throws {
        let harness = ManagerHarness()
        let client = try harness.connect(session: "worker")
        let jobs = try client.create("WorkQueue", name: "jobs")
        for item: Value in ["a", ["b": 2]] { #expect(try client.value(jobs, "put", [item]) == .null) }
        #expect(try client.value(jobs, "qsize") == 2)
        #expect(try take(client, jobs) == Taken(tag: 1, item: "a", deliveries: 1))
        #expect(try take(client, jobs, [true, nil, 5]) == Taken(tag: 2, item: ["b": 2], deliveries: 1))
        #expect(try client.value(jobs, "qsize") == 0)
        let leased = try client.value(jobs, "leased")
        #expect(leased == [
            ["tag": 1, "session": "worker", "deliveries": 1, "lease": 30.0, "expiresIn": 30.0],
            ["tag": 2, "session": "worker", "deliveries": 1, "lease": 5.0, "expiresIn": 5.0],
        ])
        #expect(try client.value(jobs, "ack", [1]) == .null)
        #expect(try client.value(jobs, "ack", [2]) == .null)
        #expect(try client.value(jobs, "leased") == [])
        #expect(try client.errorCode(jobs, "ack", [1]) == .keyError)
        // Acked items are forgotten: nothing comes back when the leases would have ended.
        harness.advance(by: .seconds(60))
        #expect(try client.value(jobs, "qsize") == 0)
        #expect(try client.value(jobs, "dead") == [])
    }

    @Test func aNackPutsTheItemBackAtTheHeadUnderANewTag() throws {
        let client = try ManagerHarness().connect()
        let jobs = try client.create("WorkQueue")
        for item: Value in ["a", "b"] { try client.value(jobs, "put", [item]) }
        let first = try take(client, jobs)
        #expect(try client.value(jobs, "nack", [.int(first.tag)]) == .null)
        #expect(try client.value(jobs, "qsize") == 2)
        let again = try take(client, jobs)
        #expect(again == Taken(tag: 2, item: "a", deliveries: 2))
        // The first delivery's tag acks nothing now, not even the same item's new delivery.
        let error = try client.error(jobs, "ack", [.int(first.tag)])
        #expect(error?.code == .keyError)
        #expect(error?.message.contains("no longer leased") == true)
        #expect(try client.value(jobs, "leased").arrayCount == 1)
        try client.value(jobs, "ack", [.int(again.tag)])
    }

    @Test func aDelayedNackHoldsTheItemBackForItsDelay() throws {
        let harness = ManagerHarness()
        harness.store.wallClock = { 1_700_000_000 }
        let client = try harness.connect()
        let jobs = try client.create("WorkQueue")
        for item: Value in ["a", "b"] { try client.value(jobs, "put", [item]) }
        let first = try take(client, jobs)
        try client.value(jobs, "nack", [.int(first.tag), 10])
        #expect(state(harness, jobs)[field: "delayed"] == [["tag": 1, "item": "a", "deliveries": 1, "delay": 10.0, "until": 1_700_000_010.0]])
        #expect(try take(client, jobs).item == "b")
        #expect(try client.errorCode(jobs, "take", [false]) == .empty)
        harness.advance(by: .milliseconds(9_900))
        #expect(try client.value(jobs, "qsize") == 0)
        harness.advance(by: .milliseconds(200))
        #expect(try client.value(jobs, "qsize") == 1)
        #expect(try take(client, jobs) == Taken(tag: 3, item: "a", deliveries: 2))
    }

    @Test func aNackWithAZeroDelayIsAPlainNack() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let jobs = try client.create("WorkQueue")
        try client.value(jobs, "put", ["a"])
        try client.value(jobs, "nack", [.int(try take(client, jobs).tag), 0])
        #expect(try client.value(jobs, "qsize") == 1)
        #expect(state(harness, jobs)[field: "delayed"] == [])
    }

    // MARK: Leases that end by themselves

    @Test func anExpiredLeaseGoesBackToTheHeadOneDeliveryMore() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let jobs = try client.create("WorkQueue", [5])
        for item: Value in ["a", "b"] { try client.value(jobs, "put", [item]) }
        let first = try take(client, jobs)
        harness.advance(by: .milliseconds(4_900))
        #expect(try client.value(jobs, "qsize") == 1)
        harness.advance(by: .milliseconds(100))
        #expect(try client.value(jobs, "qsize") == 2)
        #expect(try client.errorCode(jobs, "ack", [.int(first.tag)]) == .keyError)
        #expect(try take(client, jobs) == Taken(tag: 2, item: "a", deliveries: 2))
    }

    @Test func aTakeMayNameItsOwnLease() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let jobs = try client.create("WorkQueue", [60])
        try client.value(jobs, "put", ["a"])
        _ = try take(client, jobs, [true, nil, 0.5])
        harness.advance(by: .milliseconds(500))
        #expect(try client.value(jobs, "qsize") == 1)
    }

    @Test func extendMakesTheLeaseEndThatLongFromNow() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let jobs = try client.create("WorkQueue", [5])
        try client.value(jobs, "put", ["a"])
        let job = try take(client, jobs)
        harness.advance(by: .seconds(4))
        #expect(try client.value(jobs, "extend", [.int(job.tag), 10]) == .null)
        #expect(try client.value(jobs, "leased")[index: 0]?[field: "expiresIn"] == 10.0)
        #expect(try client.value(jobs, "leased")[index: 0]?[field: "lease"] == 10.0)
        harness.advance(by: .milliseconds(9_900))
        #expect(try client.value(jobs, "qsize") == 0)
        harness.advance(by: .milliseconds(100))
        #expect(try client.value(jobs, "qsize") == 1)
        #expect(try client.errorCode(jobs, "extend", [.int(job.tag), 10]) == .keyError)
    }

    @Test func theLeasesOfASessionThatEndsGoBackOldestFirst() throws {
        let harness = ManagerHarness(sessionGrace: .seconds(5))
        let worker = try harness.connect(session: "worker")
        let other = try harness.connect(session: "other")
        let jobs = try other.create("WorkQueue", name: "jobs")
        for item: Value in ["a", "b", "c"] { try other.value(jobs, "put", [item]) }
        _ = try take(worker, jobs)
        _ = try take(worker, jobs)
        try worker.disconnect()
        harness.advance(by: .milliseconds(4_900))
        #expect(try other.value(jobs, "qsize") == 1)
        harness.advance(by: .milliseconds(100))
        #expect(try other.value(jobs, "qsize") == 3)
        #expect(try take(other, jobs) == Taken(tag: 3, item: "a", deliveries: 2))
        #expect(try take(other, jobs) == Taken(tag: 4, item: "b", deliveries: 2))
        #expect(try take(other, jobs) == Taken(tag: 5, item: "c", deliveries: 1))
    }

    @Test func aSessionThatComesBackWithinTheGracePeriodKeepsItsLeases() throws {
        let harness = ManagerHarness(sessionGrace: .seconds(5))
        let worker = try harness.connect(session: "worker")
        let jobs = try worker.create("WorkQueue", name: "jobs")
        try worker.value(jobs, "put", ["a"])
        let job = try take(worker, jobs)
        try worker.disconnect()
        harness.advance(by: .seconds(4))
        let back = try harness.connect(session: "worker")
        harness.advance(by: .seconds(10))
        #expect(try back.value(jobs, "ack", [.int(job.tag)]) == .null)
        #expect(try back.value(jobs, "qsize") == 0)
    }

    @Test func aManagerThatStopsServingStopsTheClocksAndRefusesParkedTakes() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let taker = try harness.connect()
        let jobs = try client.create("WorkQueue", [1])
        let emptyJobs = try client.create("WorkQueue")
        try client.value(jobs, "put", ["a"])
        _ = try take(client, jobs)
        let parked = try taker.send(emptyJobs, "take")
        let before = state(harness, jobs)
        harness.store.stopServing()
        #expect(try taker.reply(parked)?.errorCode == .shuttingDown)
        // What the final checkpoint wrote is what the next start restores: no expiry after it.
        harness.advance(by: .seconds(10))
        #expect(state(harness, jobs) == before)
    }

    // MARK: Dead letters

    @Test func maxDeliveriesSendsAnItemToTheDeadLettersAndRequeueDeadBringsItBack() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let jobs = try client.create("WorkQueue", [5, 2])
        for item: Value in ["a", "b"] { try client.value(jobs, "put", [item]) }
        try client.value(jobs, "nack", [.int(try take(client, jobs).tag)])
        #expect(try take(client, jobs) == Taken(tag: 2, item: "a", deliveries: 2))
        harness.advance(by: .seconds(5))
        #expect(try client.value(jobs, "dead") == [["item": "a", "deliveries": 2, "reason": "expired"]])
        #expect(try client.value(jobs, "qsize") == 1)
        #expect(try take(client, jobs).item == "b")
        #expect(try client.value(jobs, "requeue_dead") == 1)
        #expect(try client.value(jobs, "dead") == [])
        #expect(try take(client, jobs) == Taken(tag: 4, item: "a", deliveries: 1))
        #expect(try client.value(jobs, "requeue_dead") == 0)
    }

    @Test func aDeadLetterSaysHowItsLastLeaseEnded() throws {
        let harness = ManagerHarness(sessionGrace: .seconds(1))
        let client = try harness.connect()
        let worker = try harness.connect()
        let jobs = try client.create("WorkQueue", [5, 1])
        for item: Value in ["nacked", "expired", "ended"] { try client.value(jobs, "put", [item]) }
        try client.value(jobs, "nack", [.int(try take(client, jobs).tag), 60])
        _ = try take(client, jobs, [true, nil, 1])
        _ = try take(worker, jobs, [true, nil, 60])
        try worker.disconnect()
        harness.advance(by: .seconds(1))
        #expect(try client.value(jobs, "dead") == [
            ["item": "nacked", "deliveries": 1, "reason": "nacked"],
            ["item": "expired", "deliveries": 1, "reason": "expired"],
            ["item": "ended", "deliveries": 1, "reason": "sessionEnded"],
        ])
    }

    @Test func requeuedDeadLettersGoToParkedTakes() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let taker = try harness.connect()
        let jobs = try client.create("WorkQueue", [5, 1])
        try client.value(jobs, "put", ["a"])
        try client.value(jobs, "nack", [.int(try take(client, jobs).tag)])
        let parked = try taker.send(jobs, "take")
        #expect(try taker.reply(parked) == nil)
        try client.value(jobs, "requeue_dead")
        #expect(try Self.taken(try #require(try taker.reply(parked)).get()) == Taken(tag: 2, item: "a", deliveries: 1))
    }

    // MARK: Blocking takes

    @Test func aBlockingTakeWaitsForAPutAndLeasesItToTheTaker() throws {
        let harness = ManagerHarness()
        let taker = try harness.connect(session: "taker")
        let producer = try harness.connect(session: "producer")
        let jobs = try producer.create("WorkQueue", name: "jobs")
        let parked = try taker.send(jobs, "take")
        harness.advance(by: .seconds(3600))
        #expect(try taker.reply(parked) == nil)
        try producer.value(jobs, "put", ["a"])
        #expect(try Self.taken(try #require(try taker.reply(parked)).get()) == Taken(tag: 1, item: "a", deliveries: 1))
        #expect(try producer.value(jobs, "qsize") == 0)
        #expect(try producer.value(jobs, "leased")[index: 0]?[field: "session"] == "taker")
        #expect(try producer.errorCode(jobs, "ack", [1]) == .notOwner)
        #expect(try taker.value(jobs, "ack", [1]) == .null)
    }

    @Test func aBlockingTakeTimesOutWithEmptyAndANonBlockingOneAtOnce() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let jobs = try client.create("WorkQueue")
        let parked = try client.send(jobs, "take", [true, 2])
        harness.advance(by: .milliseconds(1_900))
        #expect(try client.reply(parked) == nil)
        harness.advance(by: .milliseconds(100))
        #expect(try client.reply(parked)?.errorCode == .empty)
        #expect(try client.errorCode(jobs, "take", [false]) == .empty)
        // block=False reads no timeout, as Python's queues.
        #expect(try client.errorCode(jobs, "take", [false, "whenever"]) == .empty)
        #expect(try client.errorCode(jobs, "take", [true, 0]) == .empty)
    }

    @Test func anItemThatComesBackGoesToTheLongestParkedTake() throws {
        let harness = ManagerHarness()
        let worker = try harness.connect()
        let first = try harness.connect()
        let second = try harness.connect()
        let jobs = try worker.create("WorkQueue", [5])
        try worker.value(jobs, "put", ["a"])
        _ = try take(worker, jobs)
        let one = try first.send(jobs, "take", [true, nil, 60])
        let two = try second.send(jobs, "take")
        harness.advance(by: .seconds(5))
        #expect(try Self.taken(try #require(try first.reply(one)).get()) == Taken(tag: 2, item: "a", deliveries: 2))
        #expect(try second.reply(two) == nil)
        // The lease it asked for when it parked.
        #expect(try worker.value(jobs, "leased")[index: 0]?[field: "lease"] == 60.0)
    }

    @Test func aParkedTakeOfAClientThatDisconnectsTakesNothing() throws {
        let harness = ManagerHarness()
        let taker = try harness.connect()
        let producer = try harness.connect()
        let jobs = try producer.create("WorkQueue", name: "jobs")
        _ = try taker.send(jobs, "take")
        try taker.disconnect()
        try producer.value(jobs, "put", ["a"])
        #expect(try producer.value(jobs, "qsize") == 1)
        #expect(try producer.value(jobs, "leased") == [])
    }

    @Test func aCancelledTakeTakesNothing() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let jobs = try client.create("WorkQueue")
        let parked = try client.send(jobs, "take")
        try client.cancel(parked)
        #expect(try client.reply(parked)?.errorCode == .cancelled)
        try client.value(jobs, "put", ["a"])
        #expect(try client.value(jobs, "qsize") == 1)
    }

    // MARK: Who may ack

    @Test func onlyTheHoldingSessionAcksNacksOrExtendsAndAnyOfItsCallersMay() throws {
        let harness = ManagerHarness()
        let worker = try harness.connect(session: "worker")
        let other = try harness.connect(session: "other")
        let jobs = try worker.create("WorkQueue", name: "jobs")
        try worker.value(jobs, "put", ["a"])
        let job = try take(worker, jobs)
        let before = state(harness, jobs)
        for (method, arguments) in [("ack", [Value.int(job.tag)]), ("nack", [.int(job.tag)]), ("extend", [.int(job.tag), 60])] {
            let error = try other.error(jobs, method, arguments)
            #expect(error?.code == .notOwner)
            #expect(error?.message.contains("session worker") == true)
        }
        #expect(state(harness, jobs) == before)
        worker.owner = 2
        #expect(try worker.value(jobs, "ack", [.int(job.tag)]) == .null)
    }

    // MARK: Refused calls

    @Test(arguments: [
        ("take", [true, nil, -1] as [Value], ManagerError.Code.valueError), ("take", [true, nil, .double(.nan)], .valueError),
        ("take", [true, nil, 0], .valueError), ("take", [true, nil, "long"], .wrongType), ("take", [true, .double(.nan)], .valueError),
        ("take", [true, -1], .valueError), ("take", [true, nil, 5, 1], .wrongType), ("take", ["yes"], .wrongType),
        ("nack", [1, -1], .valueError), ("nack", [1, .double(.nan)], .valueError), ("nack", [1, "later"], .wrongType),
        ("nack", [], .wrongType), ("extend", [1, 0], .valueError), ("extend", [1, .double(-.infinity)], .valueError),
        ("extend", [1], .wrongType), ("ack", ["1"], .wrongType), ("ack", [1.0], .wrongType), ("ack", [99], .keyError),
        ("ack", [0], .keyError), ("nack", [.int(.max)], .keyError), ("ack", [], .wrongType), ("put", [], .wrongType),
        ("put", [1, 2], .wrongType), ("qsize", [1], .wrongType), ("requeue_dead", [1], .wrongType), ("join", [], .notExposed),
    ])
    func aRefusedCallChangesNothing(_ method: String, _ arguments: [Value], _ code: ManagerError.Code) throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let jobs = try client.create("WorkQueue")
        for item: Value in ["a", "b"] { try client.value(jobs, "put", [item]) }
        _ = try take(client, jobs)
        let before = state(harness, jobs)
        #expect(try client.errorCode(jobs, method, arguments) == code)
        #expect(state(harness, jobs) == before)
    }

    @Test func anUnknownTagSaysWhetherItWasEverHandedOut() throws {
        let client = try ManagerHarness().connect()
        let jobs = try client.create("WorkQueue")
        #expect(try client.error(jobs, "ack", [1])?.message.contains("nothing was taken yet") == true)
        try client.value(jobs, "put", ["a"])
        try client.value(jobs, "ack", [.int(try take(client, jobs).tag)])
        #expect(try client.error(jobs, "ack", [1])?.message.contains("tag 1 is no longer leased") == true)
        #expect(try client.error(jobs, "ack", [7])?.message.contains("the tags so far are 1 to 1") == true)
    }

    @Test(arguments: [[-1] as [Value], [0], [.double(.nan)], ["soon"], [30, 0], [30, -2], [30, "many"], [30, 5, 1]])
    func badCreationArgumentsAreRefused(_ arguments: [Value]) throws {
        let client = try ManagerHarness().connect()
        #expect(throws: ManagerError.self) { try client.create("WorkQueue", arguments) }
    }

    @Test func creationArgumentsMayBeLeftOutOrNull() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        for arguments: [Value] in [[], [nil], [nil, nil], [2.5, nil], [.double(.infinity), 9]] {
            let jobs = try client.create("WorkQueue", arguments)
            let expected: (Double, Int64) = switch arguments.count {
            case 2 where arguments[1] == 9: (1e9, 9)
            case 2 where arguments[0] == 2.5: (2.5, 5)
            default: (30, 5)
            }
            #expect(state(harness, jobs)[field: "lease"] == .double(expected.0))
            #expect(state(harness, jobs)[field: "maxDeliveries"] == .int(expected.1))
        }
    }

    @Test func aPutPastTheMaxValueSizeIsAMemoryError() throws {
        let harness = ManagerHarness()
        harness.store.maxValueSize = 4096
        let client = try harness.connect()
        let jobs = try client.create("WorkQueue")
        try client.value(jobs, "put", [.bytes(Array(repeating: 1, count: 2000))])
        let before = state(harness, jobs)
        #expect(try client.errorCode(jobs, "put", [.bytes(Array(repeating: 1, count: 2000))]) == .memoryError)
        #expect(state(harness, jobs) == before)
    }

    // MARK: What an operator sees

    @Test func theLiveViewShowsLeasesWithHoldersAndDeadlines() throws {
        let harness = ManagerHarness()
        harness.store.wallClock = { 1_000 }
        let worker = try harness.connect(session: "worker")
        let jobs = try worker.create("WorkQueue", name: "jobs", [10, 1])
        for item: Value in ["a", "b", "c"] { try worker.value(jobs, "put", [item]) }
        _ = try take(worker, jobs)
        try worker.value(jobs, "nack", [.int(try take(worker, jobs).tag)])
        harness.advance(by: .seconds(4))
        let described = try worker.call(0, "describe", ["jobs"]).get()
        #expect(described[field: "size"] == 1)
        #expect(described[field: "summary"] == "1 leased, the oldest (tag 1) to session worker, ends in 6.0 s; 1 dead")
        let state = try #require(described[field: "state"])
        #expect(state[field: "leased"] == [["tag": 1, "item": "a", "deliveries": 1, "session": "worker", "lease": 10.0, "expiresIn": 6.0]])
        #expect(state[field: "delayed"] == [])
        #expect(state[field: "dead"] == [["item": "b", "deliveries": 1, "reason": "nacked"]])
        #expect(state[field: "queued"] == [["item": "c", "deliveries": 0]])
        let live = try #require(described[field: "live"])
        #expect(live[field: "leased"] == 1 && live[field: "dead"] == 1 && live[field: "queued"] == 1 && live[field: "takers"] == 0)
        #expect(live[field: "firstLeases"] == [["tag": 1, "session": "worker", "deliveries": 1, "expiresIn": 6.0]])
        // The sessions view finds the lease among what the worker's session holds.
        let sessions = try worker.call(0, "sessions").get()
        let holds = sessions[index: 0]?[field: "holds"]
        #expect(holds == [["id": .int(Int64(bitPattern: jobs.id)), "name": "jobs", "type": "WorkQueue", "caller": nil, "count": 1]])
    }

    @Test func aDelayedItemShowsWhenItIsReady() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let jobs = try client.create("WorkQueue", name: "jobs")
        try client.value(jobs, "put", ["a"])
        try client.value(jobs, "nack", [.int(try take(client, jobs).tag), 20])
        harness.advance(by: .seconds(5))
        let described = try client.call(0, "describe", ["jobs"]).get()
        #expect(described[field: "state"]?[field: "delayed"]?[index: 0]?[field: "readyIn"] == 15.0)
        #expect(described[field: "summary"] == "1 delayed")
    }

    @Test func anObjectInAWorkQueueLivesWhileTheQueueHoldsIt() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let jobs = try client.create("WorkQueue", name: "jobs")
        let list = try client.create("list")
        try client.value(jobs, "put", [.reference(list)])
        try client.release([list])
        harness.loop.run()
        #expect(harness.store.objects[list.id] != nil)
        // The take's reply counts as a proxy of the session, which it drops.
        let job = try take(client, jobs)
        try client.release([list])
        harness.loop.run()
        #expect(harness.store.objects[list.id] != nil)
        try client.value(jobs, "ack", [.int(job.tag)])
        harness.store.scheduleSweep()
        harness.loop.run()
        #expect(harness.store.objects[list.id] == nil)
    }
}

extension Value {
    fileprivate subscript(field key: String) -> Value? {
        guard case .map(let fields) = self else { return nil }
        return fields[.string(key)]
    }

    fileprivate subscript(index index: Int) -> Value? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    fileprivate var arrayCount: Int? {
        guard case .array(let items) = self else { return nil }
        return items.count
    }
}
