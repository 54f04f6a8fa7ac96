import DurableWire
import Testing

/// A shared `Condition`: `wait` gives the lock up and answers only once it holds it again.
struct ConditionTests {
    @Test func acquireReleaseAndLockedGoToItsLock() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let other = try harness.connect()
        let condition = try client.create("Condition")
        #expect(try client.value(condition, "locked") == false)
        #expect(try client.value(condition, "acquire").acquired == true)
        // Its own lock is an RLock.
        #expect(try client.value(condition, "acquire").acquired == true)
        #expect(try other.value(condition, "acquire", [false]) == false)
        try client.value(condition, "release")
        #expect(try other.value(condition, "locked") == true)
        try client.value(condition, "release")
        #expect(try other.value(condition, "locked") == false)
        #expect(try client.errorCode(condition, "release") == .notOwner)
    }

    @Test func waitAndNotifyWithoutTheLockAreNotOwner() throws {
        // RuntimeError: cannot wait on un-acquired lock / cannot notify on un-acquired lock.
        let harness = ManagerHarness()
        let client = try harness.connect()
        let holder = try harness.connect()
        let condition = try client.create("Condition")
        #expect(try client.errorCode(condition, "wait") == .notOwner)
        #expect(try client.errorCode(condition, "wait", [1]) == .notOwner)
        #expect(try client.errorCode(condition, "notify") == .notOwner)
        #expect(try client.errorCode(condition, "notify_all") == .notOwner)
        // Held by someone else is not held by the caller.
        try holder.value(condition, "acquire")
        #expect(try client.errorCode(condition, "wait") == .notOwner)
        #expect(try client.errorCode(condition, "notify") == .notOwner)
        client.owner = 2
        #expect(try client.errorCode(condition, "notify_all") == .notOwner)
    }

    @Test func waitReleasesTheLockAndReturnsTrueOnlyOnceTheNotifierReleasesIt() throws {
        let harness = ManagerHarness()
        let waiter = try harness.connect()
        let notifier = try harness.connect()
        let condition = try waiter.create("Condition", name: "c")
        try waiter.value(condition, "acquire")
        let wait = try waiter.send(condition, "wait")
        #expect(try waiter.reply(wait) == nil)
        // The waiter gave the lock up.
        #expect(try notifier.value(condition, "acquire", [false]).acquired == true)
        try notifier.value(condition, "notify")
        #expect(try waiter.reply(wait) == nil)
        try notifier.value(condition, "release")
        #expect(try waiter.reply(wait) == .success(true))
        // ...and holds it again.
        #expect(try notifier.value(condition, "acquire", [false]) == false)
        try waiter.value(condition, "release")
        #expect(try notifier.value(condition, "locked") == false)
    }

    @Test func aTimedWaitReturnsFalseOnlyAfterTakingTheLockBack() throws {
        let harness = ManagerHarness()
        let waiter = try harness.connect()
        let other = try harness.connect()
        let condition = try waiter.create("Condition")
        try waiter.value(condition, "acquire")
        let wait = try waiter.send(condition, "wait", [1])
        try other.value(condition, "acquire")
        harness.advance(by: .seconds(1))
        // The deadline passed, but the lock is held elsewhere.
        #expect(try waiter.reply(wait) == nil)
        try other.value(condition, "release")
        #expect(try waiter.reply(wait) == .success(false))
        #expect(try other.value(condition, "acquire", [false]) == false)
        try waiter.value(condition, "release")
    }

    @Test func aNotifiedTimedWaitReturnsTrueEvenIfTheLockComesBackAfterItsDeadline() throws {
        // Python's wait returns whether it was notified, however long re-acquiring took.
        let harness = ManagerHarness()
        let waiter = try harness.connect()
        let notifier = try harness.connect()
        let condition = try waiter.create("Condition")
        try waiter.value(condition, "acquire")
        let wait = try waiter.send(condition, "wait", [1])
        try notifier.value(condition, "acquire")
        try notifier.value(condition, "notify")
        harness.advance(by: .seconds(10))
        #expect(try waiter.reply(wait) == nil)
        try notifier.value(condition, "release")
        #expect(try waiter.reply(wait) == .success(true))
    }

    @Test func aTimedWaitWithTheLockFreeReturnsFalseAtItsDeadline() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let condition = try client.create("Condition")
        try client.value(condition, "acquire")
        let wait = try client.send(condition, "wait", [0.5])
        harness.advance(by: .milliseconds(499))
        #expect(try client.reply(wait) == nil)
        harness.advance(by: .milliseconds(1))
        #expect(try client.reply(wait) == .success(false))
        try client.value(condition, "release")
    }

    @Test func waitWithAZeroTimeoutReturnsFalse() throws {
        // c.acquire(); c.wait(0) is False.
        let harness = ManagerHarness()
        let client = try harness.connect()
        let condition = try client.create("Condition")
        try client.value(condition, "acquire")
        let wait = try client.send(condition, "wait", [0])
        harness.advance(by: .zero)
        #expect(try client.reply(wait) == .success(false))
        try client.value(condition, "release")
    }

    @Test func notifyWakesWaitersInArrivalOrderOneLockHolderAtATime() throws {
        let harness = ManagerHarness()
        let waiters = try (0..<3).map { _ in try harness.connect() }
        let notifier = try harness.connect()
        let condition = try notifier.create("Condition")
        let waits = try waiters.map { waiter in
            try waiter.value(condition, "acquire")
            return try waiter.send(condition, "wait")
        }
        try notifier.value(condition, "acquire")
        try notifier.value(condition, "notify")
        try notifier.value(condition, "release")
        #expect(try waiters[0].reply(waits[0]) == .success(true))
        #expect(try waiters[1].reply(waits[1]) == nil)
        try waiters[0].value(condition, "release")
        #expect(try waiters[1].reply(waits[1]) == nil)

        try notifier.value(condition, "acquire")
        try notifier.value(condition, "notify", [2])
        try notifier.value(condition, "release")
        // Both are woken; they take the lock in turn.
        #expect(try waiters[1].reply(waits[1]) == .success(true))
        #expect(try waiters[2].reply(waits[2]) == nil)
        try waiters[1].value(condition, "release")
        #expect(try waiters[2].reply(waits[2]) == .success(true))
        try waiters[2].value(condition, "release")
    }

    @Test func notifyAllWakesEveryWaiter() throws {
        let harness = ManagerHarness()
        let waiters = try (0..<3).map { _ in try harness.connect() }
        let condition = try waiters[0].create("Condition")
        let waits = try waiters.map { waiter in
            try waiter.value(condition, "acquire")
            return try waiter.send(condition, "wait")
        }
        let notifier = try harness.connect()
        try notifier.value(condition, "acquire")
        try notifier.value(condition, "notify_all")
        try notifier.value(condition, "release")
        for (waiter, wait) in zip(waiters, waits) {
            #expect(try waiter.reply(wait) == .success(true))
            try waiter.value(condition, "release")
        }
    }

    @Test func notifyWithoutWaitersOrWithZeroDoesNothing() throws {
        let harness = ManagerHarness()
        let waiter = try harness.connect()
        let notifier = try harness.connect()
        let condition = try waiter.create("Condition")
        try notifier.value(condition, "acquire")
        try notifier.value(condition, "notify")
        try notifier.value(condition, "notify_all")
        try notifier.value(condition, "release")
        // An earlier notify is not remembered.
        try waiter.value(condition, "acquire")
        let wait = try waiter.send(condition, "wait")
        try notifier.value(condition, "acquire")
        try notifier.value(condition, "notify", [0])
        try notifier.value(condition, "release")
        #expect(try waiter.reply(wait) == nil)
    }

    @Test func waitRestoresTheRLockDepth() throws {
        let harness = ManagerHarness()
        let waiter = try harness.connect()
        let notifier = try harness.connect()
        let condition = try waiter.create("Condition")
        try waiter.value(condition, "acquire")
        try waiter.value(condition, "acquire")
        let wait = try waiter.send(condition, "wait")
        // Both levels were given up.
        #expect(try notifier.value(condition, "acquire", [false]).acquired == true)
        try notifier.value(condition, "notify")
        try notifier.value(condition, "release")
        #expect(try waiter.reply(wait) == .success(true))
        try waiter.value(condition, "release")
        #expect(try notifier.value(condition, "acquire", [false]) == false)
        try waiter.value(condition, "release")
        #expect(try notifier.value(condition, "acquire", [false]).acquired == true)
    }

    @Test func theDepthIsRestoredAfterATimeoutToo() throws {
        let harness = ManagerHarness()
        let waiter = try harness.connect()
        let other = try harness.connect()
        let condition = try waiter.create("Condition")
        for _ in 0..<3 { try waiter.value(condition, "acquire") }
        let wait = try waiter.send(condition, "wait", [1])
        harness.advance(by: .seconds(1))
        #expect(try waiter.reply(wait) == .success(false))
        for _ in 0..<2 {
            try waiter.value(condition, "release")
            #expect(try other.value(condition, "locked") == true)
        }
        try waiter.value(condition, "release")
        #expect(try other.value(condition, "locked") == false)
    }

    @Test func aConditionOverAGivenLockSharesIt() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let other = try harness.connect()
        let lock = try client.create("Lock")
        let condition = try client.create("Condition", [.reference(lock)])
        // Taking the lock directly is taking the condition's lock.
        try client.value(lock, "acquire")
        #expect(try client.value(condition, "locked") == true)
        let wait = try client.send(condition, "wait")
        #expect(try other.value(lock, "locked") == false)
        try other.value(lock, "acquire")
        try other.value(condition, "notify")
        try other.value(lock, "release")
        #expect(try client.reply(wait) == .success(true))
        #expect(try other.value(lock, "locked") == true)
        try client.value(condition, "release")
        #expect(try other.value(lock, "locked") == false)
    }

    @Test func aConditionOverAGivenRLockRestoresItsDepth() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let other = try harness.connect()
        let lock = try client.create("RLock")
        let condition = try client.create("Condition", [.reference(lock)])
        try client.value(lock, "acquire")
        try client.value(condition, "acquire")
        let wait = try client.send(condition, "wait")
        try other.value(condition, "acquire")
        try other.value(condition, "notify")
        try other.value(condition, "release")
        #expect(try client.reply(wait) == .success(true))
        try client.value(lock, "release")
        #expect(try other.value(lock, "locked") == true)
        try client.value(lock, "release")
        #expect(try other.value(lock, "locked") == false)
    }

    @Test func creationTakesOnlyALockOrAnRLock() throws {
        let client = try ManagerHarness().connect()
        let queue = try client.create("Queue")
        for argument: Value in [.reference(queue), "lock", 1] {
            guard case .failure(let error) = try client.call(0, "create", ["Condition", nil, [argument]]) else {
                Issue.record("Condition(\(argument)) was accepted")
                continue
            }
            #expect(error.code == .wrongType, "Condition(\(argument))")
        }
        // Condition(None) makes its own RLock.
        let condition = try client.create("Condition", [nil])
        try client.value(condition, "acquire")
        #expect(try client.value(condition, "acquire", [false]).acquired == true)
    }

    @Test func argumentsAreChecked() throws {
        let client = try ManagerHarness().connect()
        let condition = try client.create("Condition")
        try client.value(condition, "acquire")
        #expect(try client.errorCode(condition, "wait", [1, 2]) == .wrongType)
        #expect(try client.errorCode(condition, "wait", ["soon"]) == .wrongType)
        #expect(try client.errorCode(condition, "notify", ["all"]) == .wrongType)
        #expect(try client.errorCode(condition, "notify_all", [1]) == .wrongType)
        // Still held after the refused calls.
        try client.value(condition, "release")
        #expect(try client.value(condition, "locked") == false)
    }
}
