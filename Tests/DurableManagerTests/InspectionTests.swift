@testable import DurableManager
import DurableWire
import NIOCore
import Testing

/// The manager's live views for operators: `describe` (every object as it describes itself:
/// size, a summary in words, live fields) and `sessions` (connections, age, grace left, what
/// each session holds and waits on). The embedded loop's clock makes every duration exact.
struct InspectionTests {
    @Test func describeShowsALocksHolderItsWaitersAndHowLongEach() throws {
        let harness = ManagerHarness()
        let holder = try harness.connect(session: "holder")
        let waiter = try harness.connect(session: "waiter")
        let lock = try holder.create("Lock", name: "printer")
        try holder.value(lock, "acquire")
        harness.advance(by: .seconds(1))
        waiter.owner = 7
        let parked = try waiter.send(lock, "acquire")
        harness.advance(by: .seconds(2))

        let described = try #require(try description(of: lock, from: holder))
        #expect(described[field: "type"] == "Lock")
        #expect(described[field: "name"] == "printer")
        #expect(described[field: "durable"] == false)
        #expect(described[field: "size"] == .null)
        let live = try #require(described[field: "live"])
        #expect(live[field: "locked"] == true)
        #expect(live[field: "holder"] == ["session": "holder", "caller": "1"])
        #expect(live[field: "heldFor"] == 3.0)
        #expect(live[field: "depth"] == 1)
        #expect(live[field: "waiters"] == 1)
        #expect(live[field: "firstWaiters"] == [["session": "waiter", "caller": "7", "waitingFor": 2.0]])
        #expect(described[field: "summary"] == "held by session holder caller 1 for 3.0 s; 1 waiting: session waiter caller 7 for 2.0 s")

        try holder.value(lock, "release")
        #expect(try waiter.reply(parked)?.map(\.acquired) == .success(true))
        let handedOver = try #require(try description(of: lock, from: holder)?[field: "live"])
        #expect(handedOver[field: "holder"] == ["session": "waiter", "caller": "7"])
        #expect(handedOver[field: "heldFor"] == 0.0, "the time counts from the hand-over")
        #expect(handedOver[field: "waiters"] == 0)
    }

    @Test func aDescriptionNamesTheFirstFewWaitersAndCountsTheRest() throws {
        let harness = ManagerHarness()
        let holder = try harness.connect()
        let event = try holder.create("Event")
        var waiters: [HarnessClient] = []
        for index in 0..<8 {
            let client = try harness.connect(session: "w\(index)")
            _ = try client.send(event, "wait")
            waiters.append(client)
        }
        let live = try #require(try description(of: event, from: holder)?[field: "live"])
        #expect(live[field: "set"] == false)
        #expect(live[field: "waiters"] == 8)
        guard case .array(let first)? = live[field: "firstWaiters"] else {
            Issue.record("no firstWaiters: \(live)")
            return
        }
        #expect(first.map { $0[field: "session"] } == (0..<ObjectDescription.waitersShown).map { .string("w\($0)") })
    }

    @Test func everyTypeDescribesItself() throws {
        let harness = ManagerHarness()
        let client = try harness.connect(session: "one")
        let other = try harness.connect(session: "two")
        let semaphore = try client.create("BoundedSemaphore", [2])
        try client.value(semaphore, "acquire")
        try other.value(semaphore, "acquire")
        _ = try other.send(semaphore, "acquire")
        let rlock = try client.create("RLock")
        try client.value(rlock, "acquire")
        try client.value(rlock, "acquire")
        let condition = try client.create("Condition")
        try client.value(condition, "acquire")
        _ = try client.send(condition, "wait")
        let barrier = try client.create("Barrier", [3])
        _ = try client.send(barrier, "wait")
        let queue = try client.create("Queue", [1])
        try client.value(queue, "put", ["a"])
        _ = try other.send(queue, "put", ["b"])
        let dict = try client.create("dict", [["a": 1, "b": 2]])
        let list = try client.create("list", [[1, 2, 3]])

        let semaphoreState = try #require(try description(of: semaphore, from: client))
        #expect(semaphoreState[field: "live"]?[field: "value"] == 0)
        #expect(semaphoreState[field: "live"]?[field: "initialValue"] == 2)
        #expect(semaphoreState[field: "live"]?[field: "waiters"] == 1)
        #expect(semaphoreState[field: "summary"]?.plain.hasPrefix("value 0 of 2; 2 permits held by 2 sessions; 1 waiting: session two") == true)

        let rlockState = try #require(try description(of: rlock, from: client))
        #expect(rlockState[field: "live"]?[field: "depth"] == 2)
        #expect(rlockState[field: "summary"]?.plain.hasSuffix("(depth 2)") == true)

        // The waiter gave the lock up to wait: the condition's lock is free, one waits for a notify.
        let conditionState = try #require(try description(of: condition, from: client))
        #expect(conditionState[field: "live"]?[field: "lock"] == "own")
        #expect(conditionState[field: "live"]?[field: "locked"] == false)
        #expect(conditionState[field: "live"]?[field: "waiters"] == 1)
        #expect(conditionState[field: "summary"]?.plain.hasPrefix("lock free; 1 waiting for a notify: session one") == true)

        let barrierState = try #require(try description(of: barrier, from: client))
        #expect(barrierState[field: "live"]?[field: "waiting"] == 1)
        #expect(barrierState[field: "live"]?[field: "broken"] == false)
        #expect(barrierState[field: "summary"]?.plain.hasPrefix("3 parties; 1 waiting: session one") == true)

        let queueState = try #require(try description(of: queue, from: client))
        #expect(queueState[field: "size"] == 1)
        #expect(queueState[field: "live"]?[field: "putters"] == 1)
        #expect(queueState[field: "summary"] == "full (maxsize 1); 1 waiting to put")

        #expect(try description(of: dict, from: client)?[field: "size"] == 2)
        #expect(try description(of: list, from: client)?[field: "size"] == 3)
        #expect(try description(of: list, from: client)?[field: "durable"] == true)
    }

    @Test func describeOfOneObjectFindsItByIDOrNameAndCarriesItsState() throws {
        let client = try ManagerHarness().connect()
        let status = try client.create("dict", name: "status", [["job": "done"]])
        let byName = try client.call(0, "describe", ["status"]).get()
        #expect(byName[field: "id"] == .int(Int64(status.id)))
        #expect(byName[field: "state"] == ["job": "done"])
        #expect(try client.call(0, "describe", [.int(Int64(status.id))]).get() == byName)
        let lock = try client.create("Lock")
        #expect(try client.call(0, "describe", [.int(Int64(lock.id))]).get()[field: "state"] == .null)
        #expect(try client.call(0, "describe", ["nothing"]).errorCode == .unknownObject)
        #expect(try client.call(0, "describe", [12345]).errorCode == .unknownObject)
        #expect(try client.call(0, "describe", [[1]]).errorCode == .wrongType)
        #expect(try client.call(0, "describe", [1, 2]).errorCode == .wrongType)
    }

    @Test func sessionsShowConnectionsHoldsWaitsAndTheGraceLeft() throws {
        let harness = ManagerHarness(sessionGrace: .seconds(5))
        let holder = try harness.connect(session: "holder")
        let waiter = try harness.connect(session: "waiter")
        let gone = try harness.connect(session: "gone")
        let lock = try holder.create("Lock", name: "printer")
        try holder.value(lock, "acquire")
        let pool = try holder.create("BoundedSemaphore", name: "pool", [3])
        try holder.value(pool, "acquire")
        try holder.value(pool, "acquire")
        _ = try waiter.create("Lock", name: "printer")
        _ = try waiter.send(lock, "acquire")
        try gone.disconnect()
        harness.advance(by: .seconds(2))
        let asking = try harness.connect(session: "operator")

        guard case .array(let sessions) = try asking.call(0, "sessions").get() else {
            Issue.record("sessions is not a list")
            return
        }
        #expect(sessions.map { $0[field: "id"] } == ["gone", "holder", "waiter", "operator"], "oldest first, then by id")
        let byID = Dictionary(uniqueKeysWithValues: sessions.map { ($0[field: "id"]!.plain, $0) })
        let held = try #require(byID["holder"])
        #expect(held[field: "connections"] == 1)
        #expect(held[field: "age"] == 2.0)
        #expect(held[field: "disconnectedFor"] == .null)
        #expect(held[field: "objects"] == 2)
        #expect(held[field: "holds"] == [
            ["id": .int(Int64(lock.id)), "name": "printer", "type": "Lock", "caller": "1", "count": 1],
            ["id": .int(Int64(pool.id)), "name": "pool", "type": "BoundedSemaphore", "caller": nil, "count": 2],
        ])
        #expect(held[field: "waiting"] == [])
        #expect(byID["waiter"]?[field: "waiting"] == [["id": .int(Int64(lock.id)), "name": "printer", "type": "Lock", "method": "acquire", "calls": 1]])
        #expect(byID["gone"]?[field: "connections"] == 0)
        #expect(byID["gone"]?[field: "disconnectedFor"] == 2.0)
        #expect(byID["gone"]?[field: "endsIn"] == 3.0)
        #expect(byID["operator"]?[field: "asking"] == true)
        #expect(held[field: "asking"] == false)

        // Once the lock is handed over, the waiter holds it and waits on nothing.
        try holder.value(lock, "release")
        guard case .array(let after) = try asking.call(0, "sessions").get(),
              let nowHolding = after.first(where: { $0[field: "id"] == "waiter" }) else {
            Issue.record("no waiter session")
            return
        }
        #expect(nowHolding[field: "waiting"] == [])
        #expect(nowHolding[field: "holds"]?.arrayCount == 1)
        #expect(try asking.call(0, "sessions", [1]).errorCode == .wrongType)
    }

    @Test func aStartRecordChangesNoObjectAndOtherManagerRecordsAreRefused() throws {
        let store = ManagerHarness().store
        let start = ManagerStart(epoch: 3, pid: 42, lastStop: .unclean, replayed: 12, recordsLost: 0, schemaVersion: 2)
        let record = JournalRecord(seq: 1, time: 0, object: 0, op: "start", arguments: start.arguments)
        try store.replay([record])
        #expect(store.objects.isEmpty)
        #expect(ManagerStart(record) == start)
        #expect("\(start)" == "manager started: epoch 3, pid 42, after a crash or kill (no clean stop), replayed 12 records")
        #expect(throws: JournalError.self) {
            try store.replay([JournalRecord(seq: 2, time: 0, object: 0, op: "explode", arguments: [])])
        }
        #expect(ManagerStart(JournalRecord(seq: 3, time: 0, object: 5, op: "start", arguments: start.arguments)) == nil)
    }

    /// The description of `object` in the manager's `describe` of every object.
    private func description(of object: ObjectReference, from client: HarnessClient) throws -> Value? {
        guard case .array(let objects) = try client.call(0, "describe").get() else { return nil }
        return objects.first { $0[field: "id"] == .int(Int64(object.id)) }
    }
}

extension Value {
    /// The value under `key` of a map.
    fileprivate subscript(field key: String) -> Value? {
        guard case .map(let fields) = self else { return nil }
        return fields[.string(key)]
    }

    /// A string's text, or the value as JSON.
    fileprivate var plain: String {
        if case .string(let text) = self { text } else { jsonText() }
    }

    fileprivate var arrayCount: Int? {
        if case .array(let items) = self { items.count } else { nil }
    }
}
