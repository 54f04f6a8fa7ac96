import DurableWire
import Testing

/// A shared `Barrier` against CPython 3.11's `threading.Barrier`: arrival indices, and
/// `BrokenBarrier` after a timeout, an abort or a reset.
struct BarrierTests {
    @Test func reportsItsPartiesWaitersAndState() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let barrier = try client.create("Barrier", [3])
        #expect(try client.value(barrier, "parties") == 3)
        #expect(try client.value(barrier, "n_waiting") == 0)
        #expect(try client.value(barrier, "broken") == false)
        _ = try client.send(barrier, "wait")
        #expect(try client.value(barrier, "n_waiting") == 1)
    }

    @Test func theLastArrivalReleasesEveryoneWithArrivalIndices() throws {
        let harness = ManagerHarness()
        let parties = try (0..<3).map { _ in try harness.connect() }
        let barrier = try parties[0].create("Barrier", name: "start", [3])
        let first = try parties[0].send(barrier, "wait")
        let second = try parties[1].send(barrier, "wait")
        harness.advance(by: .seconds(3600))
        #expect(try parties[0].reply(first) == nil)
        #expect(try parties[1].reply(second) == nil)
        #expect(try parties[2].value(barrier, "wait") == 2)
        #expect(try parties[0].reply(first) == .success(0))
        #expect(try parties[1].reply(second) == .success(1))
        #expect(try parties[2].value(barrier, "n_waiting") == 0)
    }

    @Test func itCanBeUsedAgainAfterItTrips() throws {
        let harness = ManagerHarness()
        let a = try harness.connect()
        let b = try harness.connect()
        let barrier = try a.create("Barrier", [2])
        for _ in 0..<3 {
            let wait = try a.send(barrier, "wait")
            #expect(try b.value(barrier, "wait") == 1)
            #expect(try a.reply(wait) == .success(0))
        }
        #expect(try a.value(barrier, "broken") == false)
    }

    @Test func oneParty() throws {
        let client = try ManagerHarness().connect()
        let barrier = try client.create("Barrier", [1])
        #expect(try client.value(barrier, "wait") == 0)
        #expect(try client.value(barrier, "wait") == 0)
    }

    @Test func aTimeoutBreaksTheBarrierForEveryWaiter() throws {
        let harness = ManagerHarness()
        let patient = try harness.connect()
        let hasty = try harness.connect()
        let late = try harness.connect()
        let barrier = try patient.create("Barrier", [3])
        let patientWait = try patient.send(barrier, "wait")
        let hastyWait = try hasty.send(barrier, "wait", [1])
        harness.advance(by: .milliseconds(999))
        #expect(try hasty.reply(hastyWait) == nil)
        harness.advance(by: .milliseconds(1))
        #expect(try hasty.reply(hastyWait)?.errorCode == .brokenBarrier)
        #expect(try patient.reply(patientWait)?.errorCode == .brokenBarrier)
        #expect(try late.value(barrier, "broken") == true)
        #expect(try late.value(barrier, "n_waiting") == 0)
        // Every later wait fails at once until a reset.
        #expect(try late.errorCode(barrier, "wait") == .brokenBarrier)
    }

    @Test func theCreationTimeoutIsTheDefault() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let barrier = try client.create("Barrier", [2, 5])
        let wait = try client.send(barrier, "wait")
        harness.advance(by: .seconds(4))
        #expect(try client.reply(wait) == nil)
        harness.advance(by: .seconds(1))
        #expect(try client.reply(wait)?.errorCode == .brokenBarrier)
        // wait(None) also takes the default.
        try client.value(barrier, "reset")
        let waitNone = try client.send(barrier, "wait", [nil])
        harness.advance(by: .seconds(5))
        #expect(try client.reply(waitNone)?.errorCode == .brokenBarrier)
        // Its own timeout wins.
        try client.value(barrier, "reset")
        let waitLonger = try client.send(barrier, "wait", [10])
        harness.advance(by: .seconds(5))
        #expect(try client.reply(waitLonger) == nil)
        #expect(try client.value(barrier, "wait") == 1)
        #expect(try client.reply(waitLonger) == .success(0))
    }

    @Test func abortBreaksItForWaitersAndLaterCallers() throws {
        let harness = ManagerHarness()
        let waiter = try harness.connect()
        let aborter = try harness.connect()
        let barrier = try waiter.create("Barrier", [2])
        let wait = try waiter.send(barrier, "wait")
        try aborter.value(barrier, "abort")
        #expect(try waiter.reply(wait)?.errorCode == .brokenBarrier)
        #expect(try aborter.value(barrier, "broken") == true)
        #expect(try aborter.errorCode(barrier, "wait") == .brokenBarrier)
        #expect(try aborter.errorCode(barrier, "wait", [1]) == .brokenBarrier)
    }

    @Test func resetBreaksCurrentWaitersThenTheBarrierWorksAgain() throws {
        let harness = ManagerHarness()
        let a = try harness.connect()
        let b = try harness.connect()
        let barrier = try a.create("Barrier", [2])
        let wait = try a.send(barrier, "wait")
        try b.value(barrier, "reset")
        #expect(try a.reply(wait)?.errorCode == .brokenBarrier)
        #expect(try b.value(barrier, "broken") == false)
        #expect(try b.value(barrier, "n_waiting") == 0)
        let again = try a.send(barrier, "wait")
        #expect(try b.value(barrier, "wait") == 1)
        #expect(try a.reply(again) == .success(0))
    }

    @Test func resetRepairsABrokenBarrier() throws {
        let client = try ManagerHarness().connect()
        let barrier = try client.create("Barrier", [1])
        try client.value(barrier, "abort")
        #expect(try client.errorCode(barrier, "wait") == .brokenBarrier)
        try client.value(barrier, "reset")
        #expect(try client.value(barrier, "broken") == false)
        #expect(try client.value(barrier, "wait") == 0)
    }

    @Test func fewerThanOnePartyIsValueError() throws {
        // CPython 3.11 accepts Barrier(0), which can never trip; 3.13 raises ValueError, as here.
        let client = try ManagerHarness().connect()
        for parties: Value in [0, -1] {
            guard case .failure(let error) = try client.call(0, "create", ["Barrier", nil, [parties]]) else {
                Issue.record("Barrier(\(parties)) was accepted")
                continue
            }
            #expect(error.code == .valueError)
        }
    }

    @Test func argumentsAreChecked() throws {
        let client = try ManagerHarness().connect()
        for arguments: Value in [[], ["two"], [2, "soon"], [2, 1, 1]] {
            guard case .failure(let error) = try client.call(0, "create", ["Barrier", nil, arguments]) else {
                Issue.record("Barrier(\(arguments)) was accepted")
                continue
            }
            #expect(error.code == .wrongType, "Barrier(\(arguments))")
        }
        let barrier = try client.create("Barrier", [2])
        #expect(try client.errorCode(barrier, "wait", [1, 2]) == .wrongType)
        #expect(try client.errorCode(barrier, "wait", ["soon"]) == .wrongType)
        #expect(try client.errorCode(barrier, "parties", [1]) == .wrongType)
        #expect(try client.value(barrier, "n_waiting") == 0)
    }
}
