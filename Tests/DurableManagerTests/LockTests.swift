import DurableWire
import Testing

/// A shared `Lock`: held by one caller (a session and an owner inside it), not reentrant,
/// waiters served in arrival order.
struct LockTests {
    @Test func acquireAndReleaseToggleLocked() throws {
        let client = try ManagerHarness().connect()
        let lock = try client.create("Lock")
        #expect(try client.value(lock, "locked") == false)
        #expect(try client.value(lock, "acquire").acquired == true)
        #expect(try client.value(lock, "locked") == true)
        try client.value(lock, "release")
        #expect(try client.value(lock, "locked") == false)
        #expect(try client.value(lock, "acquire", [false]).acquired == true)
    }

    @Test func releasingAnUnheldLockIsNotOwner() throws {
        let client = try ManagerHarness().connect()
        let lock = try client.create("Lock")
        let error = try client.error(lock, "release")
        #expect(error?.code == .notOwner)
        #expect(error?.message.contains("release") == true)
    }

    @Test func releasingALockHeldByAnotherCallerIsNotOwner() throws {
        let harness = ManagerHarness()
        let holder = try harness.connect()
        let other = try harness.connect()
        let lock = try holder.create("Lock")
        try holder.value(lock, "acquire")
        #expect(try other.errorCode(lock, "release") == .notOwner)
        // Another task of the same process does not hold it either.
        holder.owner = 2
        #expect(try holder.errorCode(lock, "release") == .notOwner)
        holder.owner = 1
        try holder.value(lock, "release")
        #expect(try other.value(lock, "locked") == false)
    }

    @Test func aNonBlockingAcquireOfAHeldLockIsFalse() throws {
        let harness = ManagerHarness()
        let holder = try harness.connect()
        let other = try harness.connect()
        let lock = try holder.create("Lock")
        try holder.value(lock, "acquire")
        #expect(try other.value(lock, "acquire", [false]) == false)
        #expect(try other.value(lock, "acquire", [true, 0]) == false)
        // Not reentrant: the holder itself cannot take it again.
        #expect(try holder.value(lock, "acquire", [false]) == false)
        try holder.value(lock, "release")
        #expect(try other.value(lock, "acquire", [false]).acquired == true)
    }

    @Test func aBlockingAcquireParksUntilTheHolderReleases() throws {
        let harness = ManagerHarness()
        let holder = try harness.connect()
        let waiter = try harness.connect()
        let lock = try holder.create("Lock")
        try holder.value(lock, "acquire")
        let acquire = try waiter.send(lock, "acquire")
        harness.advance(by: .seconds(3600))
        #expect(try waiter.reply(acquire) == nil)
        try holder.value(lock, "release")
        #expect(try waiter.reply(acquire)?.map(\.acquired) == .success(true))
        // The lock passed straight to the waiter.
        #expect(try holder.value(lock, "locked") == true)
        #expect(try holder.errorCode(lock, "release") == .notOwner)
        try waiter.value(lock, "release")
    }

    @Test func waitersGetTheLockInArrivalOrder() throws {
        let harness = ManagerHarness()
        let holder = try harness.connect()
        let waiters = try (0..<3).map { _ in try harness.connect() }
        let lock = try holder.create("Lock")
        try holder.value(lock, "acquire")
        let acquires = try waiters.map { try $0.send(lock, "acquire") }
        try holder.value(lock, "release")
        for index in waiters.indices {
            #expect(try waiters[index].reply(acquires[index])?.map(\.acquired) == .success(true))
            for later in waiters.indices.dropFirst(index + 1) {
                #expect(try waiters[later].reply(acquires[later]) == nil)
            }
            try waiters[index].value(lock, "release")
        }
        #expect(try holder.value(lock, "locked") == false)
    }

    @Test func ownersInOneSessionAreDistinctCallers() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let lock = try client.create("Lock")
        try client.value(lock, "acquire")
        client.owner = 2
        let acquire = try client.send(lock, "acquire")
        #expect(try client.reply(acquire) == nil)
        client.owner = 1
        try client.value(lock, "release")
        #expect(try client.reply(acquire)?.map(\.acquired) == .success(true))
        #expect(try client.errorCode(lock, "release") == .notOwner)
        client.owner = 2
        try client.value(lock, "release")
    }

    @Test func aTimedAcquireIsFalseAfterItsDeadlineAndDoesNotTakeTheLockLater() throws {
        let harness = ManagerHarness()
        let holder = try harness.connect()
        let waiter = try harness.connect()
        let lock = try holder.create("Lock")
        try holder.value(lock, "acquire")
        let acquire = try waiter.send(lock, "acquire", [true, 2])
        harness.advance(by: .milliseconds(1999))
        #expect(try waiter.reply(acquire) == nil)
        harness.advance(by: .milliseconds(1))
        #expect(try waiter.reply(acquire) == .success(false))
        try holder.value(lock, "release")
        #expect(try holder.value(lock, "locked") == false)
    }

    @Test func aTimedAcquireSucceedsIfReleasedBeforeItsDeadline() throws {
        let harness = ManagerHarness()
        let holder = try harness.connect()
        let waiter = try harness.connect()
        let lock = try holder.create("Lock")
        try holder.value(lock, "acquire")
        let acquire = try waiter.send(lock, "acquire", [true, 2])
        harness.advance(by: .seconds(1))
        try holder.value(lock, "release")
        #expect(try waiter.reply(acquire)?.map(\.acquired) == .success(true))
        harness.advance(by: .seconds(5))
        #expect(try waiter.value(lock, "locked") == true)
    }

    @Test func theHolderBlockingOnItsOwnLockWaitsAsInPython() throws {
        // threading.Lock is not reentrant: a second blocking acquire by the holder waits.
        let harness = ManagerHarness()
        let client = try harness.connect()
        let lock = try client.create("Lock")
        try client.value(lock, "acquire")
        let again = try client.send(lock, "acquire", [true, 1])
        #expect(try client.reply(again) == nil)
        harness.advance(by: .seconds(1))
        #expect(try client.reply(again) == .success(false))
        #expect(try client.value(lock, "locked") == true)
    }

    @Test func aTimeoutOfMinusOneMeansNoTimeout() throws {
        // threading.Lock().acquire(True, -1) waits forever, as acquire() does.
        let harness = ManagerHarness()
        let holder = try harness.connect()
        let waiter = try harness.connect()
        let lock = try holder.create("Lock")
        try holder.value(lock, "acquire")
        let acquire = try waiter.send(lock, "acquire", [true, -1])
        harness.advance(by: .seconds(3600))
        #expect(try waiter.reply(acquire) == nil)
        try holder.value(lock, "release")
        #expect(try waiter.reply(acquire)?.map(\.acquired) == .success(true))
    }

    @Test func badTimeoutsAreValueError() throws {
        let client = try ManagerHarness().connect()
        let lock = try client.create("Lock")
        // acquire(False, 1): ValueError: can't specify a timeout for a non-blocking call.
        #expect(try client.errorCode(lock, "acquire", [false, 1]) == .valueError)
        // acquire(True, -2): ValueError: timeout value must be positive.
        #expect(try client.errorCode(lock, "acquire", [true, -2]) == .valueError)
        #expect(try client.value(lock, "locked") == false)
        // acquire(False, None) is fine.
        #expect(try client.value(lock, "acquire", [false, nil]).acquired == true)
    }

    @Test func argumentsAreChecked() throws {
        let client = try ManagerHarness().connect()
        let lock = try client.create("Lock")
        #expect(try client.errorCode(lock, "acquire", [true, 1, 1]) == .wrongType)
        #expect(try client.errorCode(lock, "acquire", ["yes"]) == .wrongType)
        #expect(try client.errorCode(lock, "release", [1]) == .wrongType)
        #expect(try client.errorCode(lock, "locked", [1]) == .wrongType)
        #expect(try client.value(lock, "locked") == false)
        guard case .failure(let error) = try client.call(0, "create", ["Lock", nil, [1]]) else {
            Issue.record("Lock(1) was accepted")
            return
        }
        #expect(error.code == .wrongType)
    }
}
