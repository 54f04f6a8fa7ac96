import DurableWire
import Testing

/// A shared `JoinableQueue`: a Queue that counts unfinished items, with `task_done` and `join`.
struct JoinableQueueTests {
    @Test func joinReturnsAtOnceWhenNothingIsUnfinished() throws {
        let client = try ManagerHarness().connect()
        let q = try client.create("JoinableQueue")
        #expect(try client.call(q, "join") == .success(.null))
    }

    @Test func joinWaitsForATaskDonePerPutItem() throws {
        let harness = ManagerHarness()
        let worker = try harness.connect()
        let boss = try harness.connect()
        let q = try boss.create("JoinableQueue", name: "jobs")
        try boss.value(q, "put", ["a"])
        try boss.value(q, "put", ["b"])
        let join = try boss.send(q, "join")
        #expect(try boss.reply(join) == nil)
        #expect(try worker.value(q, "get") == "a")
        #expect(try worker.value(q, "get") == "b")
        // Taking the items off is not finishing them.
        #expect(try boss.reply(join) == nil)
        try worker.value(q, "task_done")
        #expect(try boss.reply(join) == nil)
        try worker.value(q, "task_done")
        #expect(try boss.reply(join) == .success(.null))
    }

    @Test func everyJoinerIsReleased() throws {
        let harness = ManagerHarness()
        let clients = try (0..<3).map { _ in try harness.connect() }
        let q = try clients[0].create("JoinableQueue")
        try clients[0].value(q, "put", [1])
        let joins = try clients.map { try $0.send(q, "join") }
        try clients[0].value(q, "get")
        try clients[0].value(q, "task_done")
        for (client, join) in zip(clients, joins) {
            #expect(try client.reply(join) == .success(.null))
        }
    }

    @Test func taskDoneTooManyTimesIsValueError() throws {
        let client = try ManagerHarness().connect()
        let q = try client.create("JoinableQueue")
        let error = try client.error(q, "task_done")
        #expect(error?.code == .valueError)
        #expect(error?.message == "task_done() called too many times")
        try client.value(q, "put", [1])
        try client.value(q, "task_done")
        #expect(try client.errorCode(q, "task_done") == .valueError)
        // task_done counts puts, not gets: the item is still queued.
        #expect(try client.value(q, "qsize") == 1)
    }

    @Test func anItemHandedStraightToAParkedGetterCountsAsUnfinished() throws {
        let harness = ManagerHarness()
        let worker = try harness.connect()
        let boss = try harness.connect()
        let q = try boss.create("JoinableQueue")
        let get = try worker.send(q, "get")
        try boss.value(q, "put", ["job"])
        #expect(try worker.reply(get) == .success("job"))
        let join = try boss.send(q, "join")
        #expect(try boss.reply(join) == nil)
        try worker.value(q, "task_done")
        #expect(try boss.reply(join) == .success(.null))
    }

    @Test func aParkedPutCountsOnlyOnceAdmitted() throws {
        let harness = ManagerHarness()
        let worker = try harness.connect()
        let boss = try harness.connect()
        let q = try boss.create("JoinableQueue", [1])
        try boss.value(q, "put", ["a"])
        let put = try boss.send(q, "put", ["b"])
        // One unfinished item ("a"): one task_done is allowed, a second is not.
        try worker.value(q, "task_done")
        #expect(try worker.errorCode(q, "task_done") == .valueError)
        #expect(try worker.value(q, "get") == "a")
        #expect(try boss.reply(put) == .success(.null))
        // "b" is now counted.
        let join = try boss.send(q, "join")
        #expect(try boss.reply(join) == nil)
        #expect(try worker.value(q, "get") == "b")
        try worker.value(q, "task_done")
        #expect(try boss.reply(join) == .success(.null))
    }

    @Test func aTimedOutPutIsNotCounted() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let q = try client.create("JoinableQueue", [1])
        try client.value(q, "put", ["a"])
        let put = try client.send(q, "put", ["b", true, 1])
        harness.advance(by: .seconds(1))
        #expect(try client.reply(put)?.errorCode == .full)
        try client.value(q, "task_done")
        #expect(try client.errorCode(q, "task_done") == .valueError)
        #expect(try client.call(q, "join") == .success(.null))
    }

    @Test func behavesAsAQueueOtherwise() throws {
        let client = try ManagerHarness().connect()
        let q = try client.create("JoinableQueue", [1])
        try client.value(q, "put_nowait", [1])
        #expect(try client.errorCode(q, "put_nowait", [2]) == .full)
        #expect(try client.value(q, "full") == true)
        #expect(try client.value(q, "get_nowait") == 1)
        #expect(try client.errorCode(q, "get_nowait") == .empty)
    }

    @Test func taskDoneAndJoinTakeNoArguments() throws {
        let client = try ManagerHarness().connect()
        let q = try client.create("JoinableQueue")
        #expect(try client.errorCode(q, "task_done", [1]) == .wrongType)
        #expect(try client.errorCode(q, "join", [1]) == .wrongType)
    }
}
