@testable import DurableManager
import NIOCore
import Testing

/// The login throttle's state machine: free failures, doubling lockouts, quiet logs.
struct LoginThrottleTests {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    @Test func theFirstFailuresAreFreeThenLockoutsDouble() {
        let throttle = LoginThrottle()
        var now = start
        for _ in 0..<LoginThrottle.freeFailures {
            _ = throttle.failed("10.0.0.1", now: now)
            #expect(throttle.lockout(for: "10.0.0.1", now: now) == nil)
            now = now + .milliseconds(1)
        }
        var lockouts: [TimeAmount] = []
        for _ in 0..<9 {
            _ = throttle.failed("10.0.0.1", now: now)
            let lockout = throttle.lockout(for: "10.0.0.1", now: now)
            lockouts.append(lockout ?? .zero)
            now = now + (lockout ?? .zero)
            #expect(throttle.lockout(for: "10.0.0.1", now: now) == nil, "the lockout ends when it says")
        }
        #expect(lockouts.map { $0.nanoseconds / 1_000_000_000 } == [1, 2, 4, 8, 16, 32, 60, 60, 60])
    }

    @Test func addressesAreThrottledApartAndASuccessClearsOne() {
        let throttle = LoginThrottle()
        for _ in 0...LoginThrottle.freeFailures { _ = throttle.failed("attacker", now: start) }
        #expect(throttle.lockout(for: "attacker", now: start) != nil)
        #expect(throttle.lockout(for: "bystander", now: start) == nil)
        throttle.succeeded("attacker")
        #expect(throttle.lockout(for: "attacker", now: start) == nil)
        _ = throttle.failed("attacker", now: start)
        #expect(throttle.lockout(for: "attacker", now: start) == nil, "the count started afresh")
    }

    @Test func failuresAreForgottenAfterAQuietSpell() {
        let throttle = LoginThrottle()
        for _ in 0..<LoginThrottle.freeFailures { _ = throttle.failed("host", now: start) }
        let later = start + LoginThrottle.forgetAfter + .seconds(1)
        _ = throttle.failed("host", now: later)
        #expect(throttle.lockout(for: "host", now: later) == nil)
    }

    @Test func failuresAreLoggedAtMostOncePerIntervalWithTheirCount() {
        let throttle = LoginThrottle()
        var notes: [LoginThrottle.FailureNote] = []
        for step in 0..<100 {
            if let note = throttle.failed("host", now: start + .milliseconds(Int64(step) * 200)) { notes.append(note) }
        }
        // 20 s of failures: a line at 0 s, 10 s.
        #expect(notes.count == 2)
        #expect(notes.first?.failures == 1)
        #expect(notes.last?.failures == 50)
    }

    @Test func theTableOfAddressesIsBounded() {
        let throttle = LoginThrottle()
        for index in 0...LoginThrottle.maxAddresses {
            _ = throttle.failed("10.\(index >> 16).\((index >> 8) & 255).\(index & 255)", now: start + .nanoseconds(Int64(index)))
        }
        for _ in 0..<LoginThrottle.freeFailures { _ = throttle.failed("late", now: start + .seconds(1)) }
        _ = throttle.failed("late", now: start + .seconds(1))
        #expect(throttle.lockout(for: "late", now: start + .seconds(1)) != nil, "a new address is still tracked once the table is full")
    }
}
