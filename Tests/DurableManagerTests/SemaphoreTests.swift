import DurableWire
import Testing

/// Shared `Semaphore` and `BoundedSemaphore`: permits without owners, waiters in arrival order.
struct SemaphoreTests {
    @Test func theDefaultValueIsOne() throws {
        let client = try ManagerHarness().connect()
        let semaphore = try client.create("Semaphore")
        #expect(try client.value(semaphore, "get_value") == 1)
        #expect(try client.value(semaphore, "acquire") == true)
        #expect(try client.value(semaphore, "get_value") == 0)
        #expect(try client.value(semaphore, "acquire", [false]) == false)
        #expect(try client.value(semaphore, "acquire", [true, 0]) == false)
        // A negative or NaN timeout is refused, not read as 0.
        #expect(try client.errorCode(semaphore, "acquire", [true, -1]) == .valueError)
        #expect(try client.errorCode(semaphore, "acquire", [true, .double(.nan)]) == .valueError)
    }

    @Test func permitsRunOutThenAcquireParksUntilARelease() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let waiter = try harness.connect()
        let semaphore = try client.create("Semaphore", [3])
        for _ in 0..<3 { #expect(try client.value(semaphore, "acquire") == true) }
        let acquire = try waiter.send(semaphore, "acquire")
        harness.advance(by: .seconds(3600))
        #expect(try waiter.reply(acquire) == nil)
        try client.value(semaphore, "release")
        #expect(try waiter.reply(acquire) == .success(true))
        // The permit went to the waiter.
        #expect(try client.value(semaphore, "get_value") == 0)
    }

    @Test func waitersAreServedInArrivalOrder() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let waiters = try (0..<3).map { _ in try harness.connect() }
        let semaphore = try client.create("Semaphore", [0])
        let acquires = try waiters.map { try $0.send(semaphore, "acquire") }
        try client.value(semaphore, "release")
        #expect(try waiters[0].reply(acquires[0]) == .success(true))
        #expect(try waiters[1].reply(acquires[1]) == nil)
        #expect(try waiters[2].reply(acquires[2]) == nil)
        // release(n) wakes n waiters.
        try client.value(semaphore, "release", [2])
        #expect(try waiters[1].reply(acquires[1]) == .success(true))
        #expect(try waiters[2].reply(acquires[2]) == .success(true))
        #expect(try client.value(semaphore, "get_value") == 0)
    }

    @Test func aTimedAcquireIsFalseAfterItsDeadline() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let semaphore = try client.create("Semaphore", [0])
        let acquire = try client.send(semaphore, "acquire", [true, 1])
        harness.advance(by: .milliseconds(999))
        #expect(try client.reply(acquire) == nil)
        harness.advance(by: .milliseconds(1))
        #expect(try client.reply(acquire) == .success(false))
        // The timed-out waiter takes nothing from a later release.
        try client.value(semaphore, "release")
        #expect(try client.value(semaphore, "get_value") == 1)
    }

    @Test func anUnboundedSemaphoreMayBeReleasedPastItsInitialValue() throws {
        let client = try ManagerHarness().connect()
        let semaphore = try client.create("Semaphore", [0])
        try client.value(semaphore, "release", [3])
        try client.value(semaphore, "release")
        #expect(try client.value(semaphore, "get_value") == 4)
    }

    @Test func anyoneMayReleaseASemaphore() throws {
        let harness = ManagerHarness()
        let taker = try harness.connect()
        let giver = try harness.connect()
        let semaphore = try taker.create("Semaphore", [1])
        try taker.value(semaphore, "acquire")
        try giver.value(semaphore, "release")
        #expect(try taker.value(semaphore, "get_value") == 1)
    }

    @Test func aBoundedSemaphoreRefusesReleasesPastItsInitialValue() throws {
        let client = try ManagerHarness().connect()
        let semaphore = try client.create("BoundedSemaphore", [2])
        let error = try client.error(semaphore, "release")
        #expect(error?.code == .valueError)
        #expect(error?.message.contains("released too many times") == true)
        try client.value(semaphore, "acquire")
        // b.release(2) with one permit out: ValueError, and the value stays 1.
        #expect(try client.errorCode(semaphore, "release", [2]) == .valueError)
        #expect(try client.value(semaphore, "get_value") == 1)
        try client.value(semaphore, "release")
        #expect(try client.value(semaphore, "get_value") == 2)
        #expect(try client.errorCode(semaphore, "release") == .valueError)
    }

    @Test func aBoundedSemaphoreHandsAReleaseToAWaiter() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let waiter = try harness.connect()
        let semaphore = try client.create("BoundedSemaphore", [1])
        try client.value(semaphore, "acquire")
        let acquire = try waiter.send(semaphore, "acquire")
        try client.value(semaphore, "release")
        #expect(try waiter.reply(acquire) == .success(true))
        #expect(try client.errorCode(semaphore, "release", [2]) == .valueError)
        try waiter.value(semaphore, "release")
        #expect(try client.value(semaphore, "get_value") == 1)
    }

    @Test func aReleaseCountBelowOneIsValueError() throws {
        // Semaphore().release(0): ValueError: n must be one or more.
        let client = try ManagerHarness().connect()
        for type in ["Semaphore", "BoundedSemaphore"] {
            let semaphore = try client.create(type, [1])
            #expect(try client.errorCode(semaphore, "release", [0]) == .valueError, "\(type)")
            #expect(try client.errorCode(semaphore, "release", [-1]) == .valueError, "\(type)")
            #expect(try client.value(semaphore, "get_value") == 1)
        }
    }

    @Test func aNegativeInitialValueIsValueError() throws {
        // Semaphore(-1): ValueError: semaphore initial value must be >= 0.
        let client = try ManagerHarness().connect()
        for type in ["Semaphore", "BoundedSemaphore"] {
            guard case .failure(let error) = try client.call(0, "create", [.string(type), nil, [-1]]) else {
                Issue.record("\(type)(-1) was accepted")
                continue
            }
            #expect(error.code == .valueError)
        }
    }

    @Test func aNonBlockingAcquireWithATimeoutIsValueError() throws {
        // Semaphore().acquire(False, 1): ValueError: can't specify timeout for non-blocking acquire.
        let client = try ManagerHarness().connect()
        let semaphore = try client.create("Semaphore", [1])
        #expect(try client.errorCode(semaphore, "acquire", [false, 1]) == .valueError)
        #expect(try client.value(semaphore, "get_value") == 1)
    }

    @Test func argumentsAreChecked() throws {
        let client = try ManagerHarness().connect()
        let semaphore = try client.create("Semaphore", [1])
        #expect(try client.errorCode(semaphore, "acquire", [true, 1, 1]) == .wrongType)
        #expect(try client.errorCode(semaphore, "release", ["one"]) == .wrongType)
        #expect(try client.errorCode(semaphore, "get_value", [1]) == .wrongType)
        #expect(try client.value(semaphore, "get_value") == 1)
        guard case .failure(let error) = try client.call(0, "create", ["Semaphore", nil, [1, 2]]) else {
            Issue.record("Semaphore(1, 2) was accepted")
            return
        }
        #expect(error.code == .wrongType)
    }
}
