import DurableWire
import NIOCore
import Testing

/// A shared `Queue` against CPython 3.11's `queue.Queue`: FIFO, bounded or not, blocking and
/// non-blocking calls, `Empty` and `Full`.
struct QueueTests {
    @Test func itemsComeOutInTheOrderTheyWentIn() throws {
        let client = try ManagerHarness().connect()
        let q = try client.create("Queue")
        #expect(try client.value(q, "empty") == true)
        for item: Value in [1, "two", [3]] { try client.value(q, "put", [item]) }
        #expect(try client.value(q, "qsize") == 3)
        #expect(try client.value(q, "empty") == false)
        #expect(try client.value(q, "full") == false)
        #expect(try client.value(q, "get") == 1)
        #expect(try client.value(q, "get_nowait") == "two")
        #expect(try client.value(q, "get", [false]) == [3])
        #expect(try client.value(q, "qsize") == 0)
        #expect(try client.value(q, "empty") == true)
    }

    @Test func aNonBlockingGetOnAnEmptyQueueIsEmpty() throws {
        let client = try ManagerHarness().connect()
        let q = try client.create("Queue")
        #expect(try client.errorCode(q, "get_nowait") == .empty)
        #expect(try client.errorCode(q, "get", [false]) == .empty)
        // block=False ignores the timeout.
        #expect(try client.errorCode(q, "get", [false, 10]) == .empty)
        // get(True, 0) gives up at once.
        #expect(try client.errorCode(q, "get", [true, 0]) == .empty)
    }

    @Test func aBoundedQueueRefusesANonBlockingPutWhenFull() throws {
        let client = try ManagerHarness().connect()
        let q = try client.create("Queue", [2])
        try client.value(q, "put", [1])
        try client.value(q, "put_nowait", [2])
        #expect(try client.value(q, "full") == true)
        #expect(try client.errorCode(q, "put_nowait", [3]) == .full)
        #expect(try client.errorCode(q, "put", [3, false]) == .full)
        #expect(try client.errorCode(q, "put", [3, true, 0]) == .full)
        #expect(try client.value(q, "qsize") == 2)
        #expect(try client.value(q, "get") == 1)
        #expect(try client.value(q, "full") == false)
    }

    @Test func zeroOrNegativeMaxsizeIsUnbounded() throws {
        let client = try ManagerHarness().connect()
        for maxsize: Value in [0, -3] {
            let q = try client.create("Queue", [maxsize])
            for item in 0..<5 { try client.value(q, "put_nowait", [.int(Int64(item))]) }
            #expect(try client.value(q, "full") == false)
            #expect(try client.value(q, "qsize") == 5)
        }
    }

    @Test func aParkedGetWaitsUntilAPut() throws {
        let harness = ManagerHarness()
        let consumer = try harness.connect()
        let producer = try harness.connect()
        let q = try consumer.create("Queue", name: "q")
        let get = try consumer.send(q, "get")
        harness.advance(by: .seconds(3600))
        #expect(try consumer.reply(get) == nil)
        try producer.value(try producer.create("Queue", name: "q"), "put", ["item"])
        #expect(try consumer.reply(get) == .success("item"))
        // The item went to the getter, not into the queue.
        #expect(try producer.value(q, "qsize") == 0)
    }

    @Test func parkedGettersAreServedInArrivalOrder() throws {
        let harness = ManagerHarness()
        let clients = try (0..<3).map { _ in try harness.connect() }
        let q = try clients[0].create("Queue", name: "q")
        let gets = try clients.map { try $0.send(q, "get") }
        for item: Value in ["a", "b", "c"] { try clients[0].value(q, "put", [item]) }
        #expect(try clients[0].reply(gets[0]) == .success("a"))
        #expect(try clients[1].reply(gets[1]) == .success("b"))
        #expect(try clients[2].reply(gets[2]) == .success("c"))
    }

    @Test func aTimedGetSucceedsIfAnItemComesBeforeTheDeadline() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let q = try client.create("Queue")
        let get = try client.send(q, "get", [true, 2])
        harness.advance(by: .seconds(1))
        #expect(try client.reply(get) == nil)
        try client.value(q, "put", [1])
        #expect(try client.reply(get) == .success(1))
        // The cancelled deadline does nothing later.
        harness.advance(by: .seconds(5))
        try client.value(q, "put", [2])
        #expect(try client.value(q, "qsize") == 1)
    }

    @Test func aTimedGetIsEmptyAfterItsDeadlineAndLaterItemsStayQueued() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let q = try client.create("Queue")
        let get = try client.send(q, "get", [true, 1.5])
        harness.advance(by: .milliseconds(1499))
        #expect(try client.reply(get) == nil)
        harness.advance(by: .milliseconds(1))
        #expect(try client.reply(get)?.errorCode == .empty)
        try client.value(q, "put", ["late"])
        #expect(try client.value(q, "qsize") == 1)
    }

    @Test func aParkedPutOnAFullQueueIsAdmittedByAGet() throws {
        let harness = ManagerHarness()
        let consumer = try harness.connect()
        let producer = try harness.connect()
        let q = try consumer.create("Queue", name: "q", [1])
        try producer.value(q, "put", ["first"])
        let put = try producer.send(q, "put", ["second"])
        #expect(try producer.reply(put) == nil)
        #expect(try consumer.value(q, "qsize") == 1)
        #expect(try consumer.value(q, "get") == "first")
        #expect(try producer.reply(put) == .success(.null))
        #expect(try consumer.value(q, "full") == true)
        #expect(try consumer.value(q, "get") == "second")
    }

    @Test func parkedPuttersAreAdmittedInArrivalOrder() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let other = try harness.connect()
        let q = try client.create("Queue", [1])
        try client.value(q, "put", [0])
        let first = try client.send(q, "put", [1])
        let second = try other.send(q, "put", [2])
        #expect(try client.value(q, "get") == 0)
        #expect(try client.reply(first) == .success(.null))
        #expect(try other.reply(second) == nil)
        #expect(try client.value(q, "get") == 1)
        #expect(try other.reply(second) == .success(.null))
        #expect(try client.value(q, "get") == 2)
    }

    @Test func aTimedPutIsFullAfterItsDeadlineAndItsItemIsNotAdded() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let q = try client.create("Queue", [1])
        try client.value(q, "put", ["kept"])
        let put = try client.send(q, "put", ["dropped", true, 0.5])
        harness.advance(by: .milliseconds(400))
        #expect(try client.reply(put) == nil)
        harness.advance(by: .milliseconds(100))
        #expect(try client.reply(put)?.errorCode == .full)
        #expect(try client.value(q, "get") == "kept")
        #expect(try client.errorCode(q, "get_nowait") == .empty)
    }

    @Test func aNegativeTimeoutIsValueError() throws {
        // q.get(True, -1) and, on a bounded queue, q.put(x, True, -1):
        // ValueError: 'timeout' must be a non-negative number (even when the call could succeed).
        let client = try ManagerHarness().connect()
        let bounded = try client.create("Queue", [2])
        #expect(try client.errorCode(bounded, "put", [1, true, -1]) == .valueError)
        #expect(try client.value(bounded, "qsize") == 0)
        try client.value(bounded, "put", [1])
        #expect(try client.errorCode(bounded, "get", [true, -1]) == .valueError)
        #expect(try client.value(bounded, "qsize") == 1)
        // Non-blocking calls ignore the timeout; an unbounded put never looks at it.
        #expect(try client.value(bounded, "get", [false, -1]) == 1)
        let unbounded = try client.create("Queue")
        #expect(try client.call(unbounded, "put", [1, true, -1]) == .success(.null))
    }

    @Test func argumentsAreChecked() throws {
        let client = try ManagerHarness().connect()
        let q = try client.create("Queue")
        #expect(try client.errorCode(q, "put") == .wrongType)
        #expect(try client.errorCode(q, "put", [1, true, 1, 1]) == .wrongType)
        #expect(try client.errorCode(q, "put_nowait", [1, true]) == .wrongType)
        #expect(try client.errorCode(q, "get_nowait", [true]) == .wrongType)
        #expect(try client.errorCode(q, "get", ["yes"]) == .wrongType)
        #expect(try client.errorCode(q, "get", [true, "soon"]) == .wrongType)
        #expect(try client.errorCode(q, "qsize", [1]) == .wrongType)
        #expect(try client.value(q, "qsize") == 0)
        guard case .failure(let error) = try client.call(0, "create", ["Queue", nil, ["big"]]) else {
            Issue.record("Queue('big') was accepted")
            return
        }
        #expect(error.code == .wrongType)
    }
}
