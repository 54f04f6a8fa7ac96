import DurableWire
import Foundation
import Proxies
import Synchronization
import Testing

/// Every proxy type through a real manager process and a real socket.
@Suite(.serialized)
struct TypedProxiesTests {
    struct Job: Codable, Sendable, Equatable {
        var id: Int
        var name: String
        var tags: [String]
        var deadline: Double?
    }

    enum JobState: String, Codable, Sendable {
        case queued, running, done
    }

    @Test func dictKeepsInsertionOrderAndUsersTypes() async throws {
        try await withManager { manager in
            let jobs: DictProxy<String, Job> = try await manager.dict()
            let job = Job(id: 1, name: "build", tags: ["ci"], deadline: nil)
            try await jobs.set("b", job)
            try await jobs.set("a", Job(id: 2, name: "test", tags: [], deadline: 1.5))
            #expect(try await jobs["b"] == job)
            #expect(try await jobs.keys() == ["b", "a"])
            #expect(try await jobs.get("zzz") == nil)
            #expect(try await jobs.contains("a"))
            #expect(try await jobs.count() == 2)
            await #expect { _ = try await jobs["zzz"] } throws: { ($0 as? ManagerError)?.code == .keyError }
            let states: DictProxy<Int, JobState> = try await manager.dict("states")
            try await states.update([(3, .queued), (1, .running)])
            #expect(try await states.items().map(\.key) == [3, 1])
            #expect(try await states.setDefault(9, .done) == .done)
            #expect(try await states.pop(3) == .queued)
            #expect(try await states.pop(3, default: .done) == .done)
            #expect(try await states.popItem() == (9, .done))
            #expect(try await states.copy().map(\.key) == [1])
            try await states.delete(1)
            try await states.clear()
            #expect(try await states.count() == 0)
        }
    }

    @Test func listHasPythonsMethods() async throws {
        try await withManager { manager in
            let list: ListProxy<Int> = try await manager.list(initial: [3, 1, 2])
            try await list.append(5)
            try await list.extend([4, 1])
            try await list.insert(0, at: 0)
            #expect(try await list.copy() == [0, 3, 1, 2, 5, 4, 1])
            #expect(try await list[-1] == 1)
            try await list.set(-1, 9)
            #expect(try await list.pop() == 9)
            #expect(try await list.pop(0) == 0)
            #expect(try await list.index(of: 2) == 2)
            #expect(try await list.count(of: 1) == 1)
            try await list.remove(1)
            try await list.sort()
            #expect(try await list.copy() == [2, 3, 4, 5])
            try await list.sort(reverse: true)
            try await list.reverse()
            #expect(try await list.concatenated(with: [6]) == [2, 3, 4, 5, 6])
            #expect(try await list.repeated(2).count == 8)
            try await list.repeatInPlace(2)
            #expect(try await list.count() == 8)
            try await list.remove(at: 0)
            #expect(try await list.contains(2))
            await #expect { _ = try await list[100] } throws: { ($0 as? ManagerError)?.code == .indexError }
            await #expect { try await list.remove(77) } throws: { ($0 as? ManagerError)?.code == .valueError }
            try await list.clear()
            await #expect { _ = try await list.pop() } throws: { ($0 as? ManagerError)?.code == .indexError }
        }
    }

    @Test func namespaceAttributesAndPrivateNames() async throws {
        try await withManager { manager in
            let namespace = try await manager.namespace("settings")
            try await namespace.set("x", 10)
            try await namespace.set("y", "hello")
            try await namespace.set("_local", true)
            #expect(try await namespace.x == 10)
            #expect(try await namespace.get("y", as: String.self) == "hello")
            #expect(try await namespace.describe() == "Namespace(x=10, y='hello')")
            #expect(try await namespace._local == true)
            // Another proxy to the same namespace sees shared names only.
            let other = try await manager.namespace("settings")
            await #expect { _ = try await other._local } throws: { ($0 as? ManagerError)?.code == .attributeError }
            try await namespace.delete("x")
            await #expect { _ = try await other.x } throws: { ($0 as? ManagerError)?.code == .attributeError }
        }
    }

    @Test func queuesBlockTimeOutAndJoin() async throws {
        try await withManager { manager in
            let queue: QueueProxy<Job> = try await manager.queue("jobs", maxsize: 1)
            let job = Job(id: 7, name: "x", tags: [], deadline: nil)
            try await queue.put(job)
            #expect(try await queue.full())
            await #expect { try await queue.putNowait(job) } throws: { ($0 as? ManagerError)?.code == .full }
            await #expect { try await queue.put(job, timeout: .milliseconds(100)) } throws: { ($0 as? ManagerError)?.code == .full }
            #expect(try await queue.get() == job)
            await #expect { _ = try await queue.getNowait() } throws: { ($0 as? ManagerError)?.code == .empty }
            await #expect { _ = try await queue.get(timeout: .milliseconds(100)) } throws: { ($0 as? ManagerError)?.code == .empty }
            #expect(try await queue.empty())

            let work: JoinableQueueProxy<Int> = try await manager.joinableQueue()
            try await work.put(1)
            try await work.put(2)
            async let joined: Void = work.join()
            for _ in 0..<2 {
                _ = try await work.get()
                try await work.taskDone()
            }
            try await joined
            await #expect { try await work.taskDone() } throws: { ($0 as? ManagerError)?.code == .valueError }
        }
    }

    @Test func aBlockedGetHoldsUpNoOtherCallOnTheSameConnection() async throws {
        try await withManager { manager in
            let queue: QueueProxy<String> = try await manager.queue()
            let status: DictProxy<String, Int> = try await manager.dict()
            async let item = queue.get()
            // Many calls complete on the same connection while the get is parked.
            for index in 0..<100 { try await status.set("k\(index)", index) }
            #expect(try await status.count() == 100)
            try await queue.put("finally")
            #expect(try await item == "finally")
        }
    }

    @Test func cancellingABlockedGetLosesNoItem() async throws {
        try await withManager { manager in
            let queue: QueueProxy<String> = try await manager.queue()
            let waiter = Task { try await queue.get() }
            try await Task.sleep(for: .milliseconds(100))
            waiter.cancel()
            await #expect { _ = try await waiter.value } throws: { ($0 as? ManagerError)?.code == .cancelled }
            try await queue.put("kept")
            #expect(try await queue.get(timeout: .seconds(1)) == "kept")
        }
    }

    @Test func locksAreOwnedPerTask() async throws {
        try await withManager { manager in
            let lock = try await manager.lock()
            #expect(try await lock.acquire())
            #expect(try await lock.locked())
            // Another task cannot take it, nor release it.
            let other = Task { try await lock.acquire(timeout: .milliseconds(100)) }
            #expect(try await other.value == false)
            let stranger = Task { try await lock.release() }
            await #expect { try await stranger.value } throws: { ($0 as? ManagerError)?.code == .notOwner }
            try await lock.release()
            await #expect { try await lock.release() } throws: { ($0 as? ManagerError)?.code == .notOwner }

            let rlock = try await manager.rLock()
            let depth = try await rlock.withLock {
                try await rlock.withLock { 2 }
            }
            #expect(depth == 2)
            let free = Task { try await rlock.acquire(blocking: false) }
            #expect(try await free.value == true)
        }
    }

    @Test func semaphoresCountAndBoundedOnesRefuseOverRelease() async throws {
        try await withManager { manager in
            let semaphore = try await manager.semaphore(value: 2)
            #expect(try await semaphore.acquire())
            #expect(try await semaphore.acquire())
            #expect(try await semaphore.acquire(blocking: false) == false)
            try await semaphore.release(2)
            #expect(try await semaphore.value() == 2)
            let bounded = try await manager.boundedSemaphore(value: 1)
            let inside = try await bounded.withLock { try await bounded.value() }
            #expect(inside == 0)
            await #expect { try await bounded.release() } throws: { ($0 as? ManagerError)?.code == .valueError }
        }
    }

    @Test func conditionWaitForAPredicate() async throws {
        try await withManager { manager in
            let lock = try await manager.lock()
            let condition = try await manager.condition(lock: lock)
            let results: ListProxy<Int> = try await manager.list()
            let consumer = Task {
                try await condition.withLock {
                    try await condition.wait(for: { try await results.count() >= 3 }, timeout: .seconds(10))
                }
            }
            for value in 1...3 {
                try await condition.withLock {
                    try await results.append(value)
                    try await condition.notifyAll()
                }
            }
            #expect(try await consumer.value)
            await #expect { try await condition.notify() } throws: { ($0 as? ManagerError)?.code == .notOwner }
            let timedOut = try await condition.withLock { try await condition.wait(timeout: .milliseconds(50)) }
            #expect(timedOut == false)
        }
    }

    @Test func eventsAndBarriers() async throws {
        try await withManager { manager in
            let event = try await manager.event()
            #expect(try await event.wait(timeout: .milliseconds(50)) == false)
            async let seen = event.wait(timeout: .seconds(10))
            try await event.set()
            #expect(try await seen)
            #expect(try await event.isSet())
            try await event.clear()
            #expect(try await event.isSet() == false)

            let barrier = try await manager.barrier(parties: 3)
            #expect(try await barrier.parties() == 3)
            let indices = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 { group.addTask { try await barrier.wait() } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(indices.sorted() == [0, 1, 2])
            await #expect { try await barrier.wait(timeout: .milliseconds(50)) } throws: { ($0 as? ManagerError)?.code == .brokenBarrier }
            #expect(try await barrier.isBroken())
            try await barrier.reset()
            #expect(try await barrier.nWaiting() == 0)
            try await barrier.abort()
            #expect(try await barrier.isBroken())
        }
    }

    @Test func aProxyStoredInADictComesBackWorking() async throws {
        try await withManager { manager in
            let index: DictProxy<String, ListProxy<String>> = try await manager.dict("index")
            do {
                let pending: ListProxy<String> = try await manager.list()
                try await pending.append("job-1")
                try await index.set("pending", pending)
            }
            // The anonymous list lives on: the dict holds it though its first proxy is gone.
            try await Task.sleep(for: .milliseconds(100))
            let again = try await index["pending"]
            try await again.append("job-2")
            #expect(try await again.copy() == ["job-1", "job-2"])
            let counter: ValueProxy<Int> = try await manager.value("counter", 0)
            try await counter.set(try await counter.get() + 1)
            #expect(try await counter.get() == 1)
            let names: ListProxy<ValueProxy<Int>> = try await manager.list()
            try await names.append(counter)
            #expect(try await names[0].get() == 1)
        }
    }

    @Test func anAnonymousObjectIsReleasedWithItsLastProxy() async throws {
        try await withManager { manager in
            var reference: ObjectReference?
            do {
                let scratch: ListProxy<Int> = try await manager.list()
                reference = scratch.reference
            }
            let id = try #require(reference).id
            try await Task.sleep(for: .milliseconds(200))
            await #expect { _ = try await manager.connection.call(id, "__len__", []) } throws: {
                ($0 as? ManagerError)?.code == .unknownObject
            }
        }
    }
}
