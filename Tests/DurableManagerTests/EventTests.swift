import DurableWire
import Testing

/// A shared `Event`: a flag that callers wait to see set.
struct EventTests {
    @Test func setClearAndIsSet() throws {
        let client = try ManagerHarness().connect()
        let event = try client.create("Event")
        #expect(try client.value(event, "is_set") == false)
        try client.value(event, "set")
        #expect(try client.value(event, "is_set") == true)
        try client.value(event, "set")
        #expect(try client.value(event, "is_set") == true)
        try client.value(event, "clear")
        #expect(try client.value(event, "is_set") == false)
    }

    @Test func waitOnASetEventReturnsTrueAtOnce() throws {
        let client = try ManagerHarness().connect()
        let event = try client.create("Event")
        try client.value(event, "set")
        #expect(try client.value(event, "wait") == true)
        #expect(try client.value(event, "wait", [0]) == true)
        #expect(try client.value(event, "wait", [nil]) == true)
    }

    @Test func waitParksUntilSetAndEveryWaiterIsReleased() throws {
        let harness = ManagerHarness()
        let waiters = try (0..<3).map { _ in try harness.connect() }
        let setter = try harness.connect()
        let event = try setter.create("Event", name: "ready")
        let waits = try waiters.map { try $0.send(event, "wait") }
        harness.advance(by: .seconds(3600))
        for (waiter, wait) in zip(waiters, waits) { #expect(try waiter.reply(wait) == nil) }
        try setter.value(event, "set")
        for (waiter, wait) in zip(waiters, waits) { #expect(try waiter.reply(wait) == .success(true)) }
    }

    @Test func aClearAfterSetDoesNotUnwakeWaiters() throws {
        let harness = ManagerHarness()
        let waiter = try harness.connect()
        let setter = try harness.connect()
        let event = try setter.create("Event")
        let wait = try waiter.send(event, "wait")
        try setter.value(event, "set")
        try setter.value(event, "clear")
        #expect(try waiter.reply(wait) == .success(true))
        // A wait after the clear parks again.
        let again = try waiter.send(event, "wait")
        #expect(try waiter.reply(again) == nil)
    }

    @Test func aTimedWaitReturnsFalseAtItsDeadline() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let event = try client.create("Event")
        let wait = try client.send(event, "wait", [2])
        harness.advance(by: .milliseconds(1999))
        #expect(try client.reply(wait) == nil)
        harness.advance(by: .milliseconds(1))
        #expect(try client.reply(wait) == .success(false))
        // A set after the deadline answers nothing twice.
        try client.value(event, "set")
        #expect(try client.reply(wait) == nil)
    }

    @Test func aTimedWaitReturnsTrueIfSetBeforeItsDeadline() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let event = try client.create("Event")
        let wait = try client.send(event, "wait", [2.5])
        harness.advance(by: .seconds(2))
        try client.value(event, "set")
        #expect(try client.reply(wait) == .success(true))
        harness.advance(by: .seconds(1))
        #expect(try client.reply(wait) == nil)
    }

    @Test func waitWithAZeroTimeoutOnAClearEventIsFalseAtOnce() throws {
        let client = try ManagerHarness().connect()
        let event = try client.create("Event")
        #expect(try client.value(event, "wait", [0]) == false)
    }

    @Test func negativeAndNaNTimeoutsAreValueErrors() throws {
        // A timeout that cannot be waited out is refused rather than read as 0 or forever.
        let client = try ManagerHarness().connect()
        let event = try client.create("Event")
        for timeout: Value in [-1, -0.5, .double(.nan), .double(-.infinity)] {
            #expect(try client.errorCode(event, "wait", [timeout]) == .valueError)
        }
        #expect(try client.send(event, "wait", [.double(.infinity)]) > 0)
    }

    @Test func argumentsAreChecked() throws {
        let client = try ManagerHarness().connect()
        let event = try client.create("Event")
        #expect(try client.errorCode(event, "set", [true]) == .wrongType)
        #expect(try client.errorCode(event, "wait", [1, 2]) == .wrongType)
        #expect(try client.errorCode(event, "wait", ["later"]) == .wrongType)
        #expect(try client.value(event, "is_set") == false)
        guard case .failure(let error) = try client.call(0, "create", ["Event", nil, [true]]) else {
            Issue.record("Event(True) was accepted")
            return
        }
        #expect(error.code == .wrongType)
    }
}
