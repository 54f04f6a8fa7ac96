@testable import DurableManager
import DurableWire
import NIOCore
import Testing

/// What keeps objects alive, and what a client that goes away leaves behind: its proxies, locks,
/// permits and parked calls.
struct LifetimeTests {
    // MARK: References

    @Test func aReferenceToNoObjectOrAsAnotherTypeIsRefusedAndNothingIsStored() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let dict = try client.create("dict")
        let list = try client.create("list")
        // An id of the next run, which a restart would give to some new object.
        let future = ObjectReference(id: (harness.store.epoch + 1) << ObjectReference.epochShift | 1, typeID: "dict")
        #expect(try client.errorCode(dict, "__setitem__", ["k", .reference(future)]) == .unknownObject)
        #expect(try client.errorCode(dict, "__setitem__", ["k", .array([.reference(ObjectReference(id: list.id, typeID: "dict"))])]) == .typeMismatch)
        guard case .failure(let refused) = try client.call(0, "create", ["list", .null, [[.reference(future)]]]) else {
            Issue.record("a list holding a forged reference was created")
            return
        }
        #expect(refused.code == .unknownObject)
        #expect(try client.call(dict, "__len__").get() == 0)
        // A real one is stored.
        #expect(try client.call(dict, "__setitem__", ["k", .reference(list)]).get() == .null)
    }

    @Test func anAnonymousObjectIsDroppedWhenItsLastProxyIsReleasedAndTheSweepRuns() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let list = try client.create("list", [[1]])
        try client.release([list])
        // The sweep runs on the next loop tick, not inside the release.
        #expect(harness.store.objects[list.id] != nil)
        harness.loop.run()
        #expect(harness.store.objects[list.id] == nil)
        #expect(try client.errorCode(list, "__len__") == .unknownObject)
    }

    @Test(arguments: [("Queue", "get", [] as [Value]), ("Event", "wait", []), ("Semaphore", "acquire", []), ("Barrier", "wait", [])])
    func anObjectLivesWhileACallWaitsOnItAfterItsLastProxyIsReleased(typeID: String, method: String, arguments: [Value]) throws {
        // As in Python, where the server's thread holds the object for the length of the call.
        // Dropped under a parked call, the object was gone when the disconnect took the call off
        // its queue, and the manager trapped.
        let harness = ManagerHarness()
        let client = try harness.connect()
        let object = try client.create(typeID, typeID == "Semaphore" ? [0] : (typeID == "Barrier" ? [2] : []))
        let parked = try client.send(object, method, arguments)
        try client.release([object])
        harness.loop.run()
        #expect(harness.store.objects[object.id] != nil)
        #expect(try client.reply(parked) == nil)
        try client.disconnect()
        harness.advance(by: .seconds(10))
        #expect(harness.store.objects[object.id] == nil)
    }

    @Test func everyProxyCountsUntilReleased() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let list = try client.create("list")
        let holder = try client.create("dict")
        try client.value(holder, "__setitem__", ["l", .reference(list)])
        // A reply carrying the reference is a second proxy in the client.
        #expect(try client.value(holder, "__getitem__", ["l"]) == .reference(list))
        try client.value(holder, "__delitem__", ["l"])
        try client.release([list])
        harness.loop.run()
        #expect(try client.value(list, "__len__") == 0)
        try client.release([list])
        harness.loop.run()
        #expect(try client.errorCode(list, "__len__") == .unknownObject)
    }

    @Test func anAnonymousObjectStoredInANamedDictSurvivesItsProxies() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let registry = try client.create("dict", name: "registry")
        let list = try client.create("list", [["kept"]])
        try client.value(registry, "__setitem__", ["items", .reference(list)])
        try client.release([list])
        harness.loop.run()
        #expect(try client.value(list, "__getitem__", [0]) == "kept")
        // Once the name is gone and the dict's last proxy too, both go.
        #expect(try client.call(0, "delete", ["registry"]) == .success(true))
        harness.loop.run()
        #expect(harness.store.objects[registry.id] != nil)
        try client.release([registry])
        harness.loop.run()
        #expect(harness.store.objects[registry.id] == nil)
        #expect(harness.store.objects[list.id] == nil)
    }

    @Test func anObjectQueuedInANamedQueueSurvivesUntilTakenAndReleased() throws {
        let harness = ManagerHarness()
        let producer = try harness.connect()
        let consumer = try harness.connect()
        let queue = try producer.create("Queue", name: "handoff")
        let event = try producer.create("Event")
        try producer.value(queue, "put", [.reference(event)])
        try producer.release([event])
        harness.loop.run()
        #expect(try consumer.value(queue, "get") == .reference(event))
        try consumer.value(event, "set")
        try consumer.release([event])
        harness.loop.run()
        #expect(try consumer.errorCode(event, "is_set") == .unknownObject)
    }

    @Test func aNamedObjectOutlivesEveryProxy() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let value = try client.create("Value", name: "answer", [42])
        try client.release([value])
        harness.loop.run()
        let reader = try harness.connect()
        #expect(try reader.value(try reader.create("Value", name: "answer"), "get") == 42)
    }

    @Test func theProxiesOfASessionThatEndsNoLongerKeepObjectsAlive() throws {
        let harness = ManagerHarness(sessionGrace: .seconds(5))
        let client = try harness.connect()
        let list = try client.create("list")
        try client.disconnect()
        harness.loop.run()
        #expect(harness.store.objects[list.id] != nil)
        harness.advance(by: .seconds(5))
        #expect(harness.store.objects[list.id] == nil)
    }

    // MARK: Locks and permits of a session that goes away

    @Test func aDisconnectedSessionsLockIsReleasedOnlyAfterTheGracePeriod() throws {
        let harness = ManagerHarness(sessionGrace: .seconds(5))
        let holder = try harness.connect()
        let waiter = try harness.connect()
        let lock = try holder.create("Lock", name: "lock")
        try holder.value(lock, "acquire")
        try holder.disconnect()
        let acquire = try waiter.send(lock, "acquire")
        harness.advance(by: .seconds(4))
        #expect(try waiter.reply(acquire) == nil)
        #expect(try waiter.value(lock, "locked") == true)
        harness.advance(by: .seconds(1))
        #expect(try waiter.reply(acquire)?.map(\.acquired) == .success(true))
        try waiter.value(lock, "release")
    }

    @Test func aSessionThatComesBackWithinTheGracePeriodKeepsItsLock() throws {
        let harness = ManagerHarness(sessionGrace: .seconds(5))
        let first = try harness.connect(session: "worker-1")
        let other = try harness.connect()
        let lock = try first.create("RLock", name: "lock")
        try first.value(lock, "acquire")
        try first.value(lock, "acquire")
        try first.disconnect()
        harness.advance(by: .seconds(3))
        let back = try harness.connect(session: "worker-1")
        harness.advance(by: .seconds(60))
        #expect(try other.value(lock, "acquire", [false]) == false)
        try back.value(lock, "release")
        try back.value(lock, "release")
        #expect(try other.value(lock, "acquire", [false]).acquired == true)
    }

    @Test func aDisconnectedSessionsRLockIsReleasedWhateverItsDepth() throws {
        let harness = ManagerHarness(sessionGrace: .seconds(2))
        let holder = try harness.connect()
        let other = try harness.connect()
        let lock = try holder.create("RLock", name: "lock")
        for _ in 0..<3 { try holder.value(lock, "acquire") }
        try holder.disconnect()
        harness.advance(by: .seconds(2))
        #expect(try other.value(lock, "acquire", [false]).acquired == true)
        try other.value(lock, "release")
        #expect(try other.value(lock, "locked") == false)
    }

    @Test func aDisconnectedSessionsConditionLockIsReleasedAfterTheGracePeriod() throws {
        let harness = ManagerHarness(sessionGrace: .seconds(5))
        let holder = try harness.connect()
        let other = try harness.connect()
        let condition = try holder.create("Condition", name: "condition")
        try holder.value(condition, "acquire")
        try holder.disconnect()
        harness.advance(by: .seconds(4))
        #expect(try other.value(condition, "acquire", [false]) == false)
        harness.advance(by: .seconds(1))
        #expect(try other.value(condition, "acquire", [false]).acquired == true)
    }

    @Test func aDisconnectedSessionsBoundedSemaphorePermitsComeBackOnlyAfterTheGracePeriod() throws {
        let harness = ManagerHarness(sessionGrace: .seconds(5))
        let worker = try harness.connect()
        let waiter = try harness.connect()
        let semaphore = try worker.create("BoundedSemaphore", name: "pool", [3])
        for _ in 0..<3 { try worker.value(semaphore, "acquire") }
        // A permit given back before the disconnect is not given back twice.
        try worker.value(semaphore, "release")
        try worker.disconnect()
        #expect(try waiter.value(semaphore, "acquire") == true)
        let acquire = try waiter.send(semaphore, "acquire")
        harness.advance(by: .seconds(4))
        #expect(try waiter.reply(acquire) == nil)
        harness.advance(by: .seconds(1))
        #expect(try waiter.reply(acquire) == .success(true))
        // Two permits came back: one went to the parked waiter.
        #expect(try waiter.value(semaphore, "get_value") == 1)
    }

    @Test func aSessionEndNeverLiftsABoundedSemaphorePastItsInitialValue() throws {
        // The permit the worker took was given back by another client (a semaphore has no
        // owner); ending the worker's session must not give it back a second time.
        let harness = ManagerHarness(sessionGrace: .seconds(1))
        let worker = try harness.connect()
        let other = try harness.connect()
        let semaphore = try worker.create("BoundedSemaphore", name: "slots", [1])
        try worker.value(semaphore, "acquire")
        try other.value(semaphore, "release")
        try worker.disconnect()
        harness.advance(by: .seconds(1))
        #expect(try other.value(semaphore, "get_value") == 1)
        #expect(try other.errorCode(semaphore, "release") == .valueError)
    }

    @Test func aConsumerOfASignallingSemaphoreLeavesNoPermitBehind() throws {
        // Semaphore(0) as a signal: the producer releases, the consumer acquires. In Python a
        // consumer that exits changes nothing, and neither does its session end here.
        let harness = ManagerHarness(sessionGrace: .seconds(1))
        let consumer = try harness.connect()
        let producer = try harness.connect()
        let signal = try producer.create("Semaphore", name: "signal", [0])
        let acquire = try consumer.send(signal, "acquire")
        try producer.value(signal, "release")
        #expect(try consumer.reply(acquire) == .success(true))
        try consumer.disconnect()
        harness.advance(by: .seconds(1))
        #expect(try producer.value(signal, "get_value") == 0)
    }

    // MARK: Parked calls of a client that goes away or gives up

    @Test func aParkedGetOfADisconnectedClientDoesNotSwallowALaterPut() throws {
        let harness = ManagerHarness()
        let consumer = try harness.connect()
        let producer = try harness.connect()
        let queue = try producer.create("Queue", name: "jobs")
        _ = try consumer.send(queue, "get")
        try consumer.disconnect()
        try producer.value(queue, "put", ["job"])
        #expect(try producer.value(queue, "qsize") == 1)
        #expect(try producer.value(queue, "get") == "job")
    }

    @Test func aCancelledGetAnswersCancelledAndALaterPutKeepsTheItem() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let queue = try client.create("Queue")
        let get = try client.send(queue, "get")
        #expect(try client.reply(get) == nil)
        try client.cancel(get)
        #expect(try client.reply(get)?.errorCode == .cancelled)
        try client.value(queue, "put", ["item"])
        #expect(try client.value(queue, "qsize") == 1)
        // A second cancel of a finished call does nothing.
        try client.cancel(get)
        #expect(try client.reply(get) == nil)
        #expect(try client.value(queue, "get_nowait") == "item")
    }

    @Test func aCancelledPutDoesNotAddItsItem() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let queue = try client.create("Queue", [1])
        try client.value(queue, "put", ["kept"])
        let put = try client.send(queue, "put", ["dropped"])
        try client.cancel(put)
        #expect(try client.reply(put)?.errorCode == .cancelled)
        #expect(try client.value(queue, "get") == "kept")
        #expect(try client.value(queue, "qsize") == 0)
    }

    @Test func aCancelledAcquireIsNotHandedTheLockLater() throws {
        let harness = ManagerHarness()
        let holder = try harness.connect()
        let waiter = try harness.connect()
        let lock = try holder.create("Lock")
        try holder.value(lock, "acquire")
        let acquire = try waiter.send(lock, "acquire")
        try waiter.cancel(acquire)
        #expect(try waiter.reply(acquire)?.errorCode == .cancelled)
        try holder.value(lock, "release")
        #expect(try holder.value(lock, "locked") == false)
    }

    @Test func aDisconnectedWaiterIsSkippedAndTheNextGetsTheLock() throws {
        let harness = ManagerHarness()
        let holder = try harness.connect()
        let gone = try harness.connect()
        let next = try harness.connect()
        let lock = try holder.create("Lock")
        try holder.value(lock, "acquire")
        _ = try gone.send(lock, "acquire")
        let acquire = try next.send(lock, "acquire")
        try gone.disconnect()
        try holder.value(lock, "release")
        #expect(try next.reply(acquire)?.map(\.acquired) == .success(true))
    }

    @Test func aDisconnectedSemaphoreWaiterTakesNoPermit() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let gone = try harness.connect()
        let semaphore = try client.create("Semaphore", [0])
        _ = try gone.send(semaphore, "acquire")
        try gone.disconnect()
        try client.value(semaphore, "release")
        #expect(try client.value(semaphore, "get_value") == 1)
    }

    @Test func aCancelledBarrierWaitLeavesTheBarrierWhole() throws {
        let harness = ManagerHarness()
        let a = try harness.connect()
        let b = try harness.connect()
        let barrier = try a.create("Barrier", [2])
        let wait = try a.send(barrier, "wait")
        try a.cancel(wait)
        #expect(try a.reply(wait)?.errorCode == .cancelled)
        #expect(try b.value(barrier, "n_waiting") == 0)
        #expect(try b.value(barrier, "broken") == false)
    }
}
