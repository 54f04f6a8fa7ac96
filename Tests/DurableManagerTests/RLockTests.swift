import DurableWire
import Testing

/// A shared `RLock`: its holder may take it again and must release it as often.
struct RLockTests {
    @Test func theHolderMayAcquireAgainAndMustReleaseAsOften() throws {
        let harness = ManagerHarness()
        let holder = try harness.connect()
        let other = try harness.connect()
        let lock = try holder.create("RLock")
        for _ in 0..<3 { #expect(try holder.value(lock, "acquire").acquired == true) }
        #expect(try holder.value(lock, "acquire", [false]).acquired == true)
        for _ in 0..<3 {
            try holder.value(lock, "release")
            #expect(try other.value(lock, "acquire", [false]) == false)
            #expect(try other.value(lock, "locked") == true)
        }
        try holder.value(lock, "release")
        #expect(try other.value(lock, "locked") == false)
        #expect(try holder.errorCode(lock, "release") == .notOwner)
    }

    @Test func releasingAnUnheldRLockIsNotOwner() throws {
        // RuntimeError: cannot release un-acquired lock.
        let client = try ManagerHarness().connect()
        let lock = try client.create("RLock")
        #expect(try client.errorCode(lock, "release") == .notOwner)
    }

    @Test func anotherOwnerCanNeitherTakeNorReleaseIt() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let otherProcess = try harness.connect()
        let lock = try client.create("RLock")
        try client.value(lock, "acquire")
        // Another task of the same process is another owner.
        client.owner = 2
        #expect(try client.value(lock, "acquire", [false]) == false)
        #expect(try client.errorCode(lock, "release") == .notOwner)
        #expect(try otherProcess.value(lock, "acquire", [false]) == false)
        #expect(try otherProcess.errorCode(lock, "release") == .notOwner)
        client.owner = 1
        try client.value(lock, "release")
        #expect(try client.value(lock, "locked") == false)
    }

    @Test func aWaiterGetsItOnlyWhenFullyReleased() throws {
        let harness = ManagerHarness()
        let holder = try harness.connect()
        let waiter = try harness.connect()
        let lock = try holder.create("RLock")
        try holder.value(lock, "acquire")
        try holder.value(lock, "acquire")
        let acquire = try waiter.send(lock, "acquire")
        try holder.value(lock, "release")
        #expect(try waiter.reply(acquire) == nil)
        try holder.value(lock, "release")
        #expect(try waiter.reply(acquire)?.map(\.acquired) == .success(true))
        // The new holder starts at depth 1: one release frees it.
        try waiter.value(lock, "release")
        #expect(try holder.value(lock, "locked") == false)
    }

    @Test func waitersAreServedInArrivalOrder() throws {
        let harness = ManagerHarness()
        let holder = try harness.connect()
        let first = try harness.connect()
        let second = try harness.connect()
        let lock = try holder.create("RLock")
        try holder.value(lock, "acquire")
        let a = try first.send(lock, "acquire")
        let b = try second.send(lock, "acquire")
        try holder.value(lock, "release")
        #expect(try first.reply(a)?.map(\.acquired) == .success(true))
        #expect(try second.reply(b) == nil)
        try first.value(lock, "release")
        #expect(try second.reply(b)?.map(\.acquired) == .success(true))
    }

    @Test func aTimedAcquireIsFalseAfterItsDeadline() throws {
        let harness = ManagerHarness()
        let holder = try harness.connect()
        let waiter = try harness.connect()
        let lock = try holder.create("RLock")
        try holder.value(lock, "acquire")
        let acquire = try waiter.send(lock, "acquire", [true, 0.25])
        harness.advance(by: .milliseconds(250))
        #expect(try waiter.reply(acquire) == .success(false))
        #expect(try waiter.value(lock, "acquire", [true, 0]) == false)
    }

    @Test func aNonBlockingAcquireWithATimeoutIsValueError() throws {
        // RLock().acquire(False, 1): ValueError: can't specify a timeout for a non-blocking call.
        let client = try ManagerHarness().connect()
        let lock = try client.create("RLock")
        #expect(try client.errorCode(lock, "acquire", [false, 1]) == .valueError)
        #expect(try client.value(lock, "locked") == false)
    }
}
