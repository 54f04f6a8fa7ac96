@testable import DurableManager
import DurableWire
import NIOCore
import Testing

/// The journal's group commit, step by step, with no file and no thread: which records go into
/// which commit, which replies wait for which commit, what a failure and a checkpoint do.
struct GroupCommitStateMachineTests {
    private typealias Machine = GroupCommitStateMachine<String, String>

    private func machine(_ durability: Durability = .normal, checkpointEvery: Int = 1_000, lastSeq: UInt64 = 10) -> Machine {
        Machine(durability: durability, checkpointEvery: checkpointEvery, lastSeq: lastSeq, recordsSinceCheckpoint: 0)
    }

    /// Appends a record for `object` and returns the flush delay it asked for.
    @discardableResult
    private func append(_ machine: inout Machine, object: UInt64 = 7) -> TimeAmount? {
        machine.append(JournalRecord(seq: machine.nextSeq, time: 0, object: object, op: "__setitem__", arguments: []))
    }

    @Test func aRecordWhileNothingCommitsAsksForOneFlushAtTheEndOfTheTick() {
        var normal = machine()
        let first = append(&normal)
        let second = append(&normal)
        #expect(first == .zero)
        #expect(second == nil, "one flush per batch")
        let due = normal.flushDue()
        #expect(due)
        var relaxed = machine(.relaxed)
        let later = append(&relaxed)
        #expect(later == .milliseconds(100))
    }

    @Test func recordsAppendedDuringACommitGoIntoTheNextOneTogether() throws {
        var machine = machine()
        append(&machine)
        let started1 = machine.startCommit()
        let first = try #require(started1)
        #expect(first.records.map(\.seq) == [11])
        append(&machine, object: 8)
        append(&machine, object: 9)
        let result2 = machine.startCommit()
        #expect(result2 == nil, "one commit at a time")
        let completion = machine.committed(first, duration: .milliseconds(1))
        guard case .commit = completion.next else { Issue.record("the waiting records were not committed next: \(completion.next)"); return }
        let started3 = machine.startCommit()
        let second = try #require(started3)
        #expect(second.records.map(\.seq) == [12, 13])
        #expect(second.upTo == 13)
    }

    @Test func aReplyWaitsForTheCommitOfWhatItCouldReflectAndNoLonger() throws {
        var machine = machine()
        let result4 = machine.hold("nothing pending")
        #expect(result4 == .send)
        append(&machine)
        let result5 = machine.hold("a")
        #expect(result5 == .held)
        let started6 = machine.startCommit()
        let first = try #require(started6)
        append(&machine)
        let result7 = machine.hold("b")
        #expect(result7 == .held)
        let completion = machine.committed(first, duration: .zero)
        #expect(completion.released == ["a"], "b could reflect record 12, which is not committed yet")
        let started8 = machine.startCommit()
        let second = try #require(started8)
        let result9 = machine.committed(second, duration: .zero).released
        #expect(result9 == ["b"])
        #expect(machine.lastCommitted == 12)
        let result10 = machine.hold("after")
        #expect(result10 == .send)
    }

    @Test func relaxedModeHoldsNothing() {
        var machine = machine(.relaxed)
        append(&machine)
        let result11 = machine.hold("a")
        #expect(result11 == .send)
    }

    @Test func aFailedCommitRefusesEveryHeldReplyAndForgetsEveryRecordSinceTheLastCommit() throws {
        var machine = machine()
        append(&machine, object: 1)
        let result12 = machine.hold("a")
        #expect(result12 == .held)
        let started13 = machine.startCommit()
        let commit = try #require(started13)
        append(&machine, object: 2)
        let result14 = machine.hold("b")
        #expect(result14 == .held)
        let failure = machine.failed(commit)
        #expect(failure.replies == ["a", "b"])
        #expect(failure.objects == [1, 2])
        #expect(machine.lastAppended == 10 && machine.lastCommitted == 10)
        #expect(machine.recordsSinceCheckpoint == 0)
        let result15 = machine.startCommit()
        #expect(result15 == nil, "nothing is left to commit")
        // The next record takes the seq the lost one had, and the next checkpoint rewrites everything.
        #expect(machine.nextSeq == 11)
        _ = machine.requestCheckpoint("w")
        let started16 = machine.startCommit()
        #expect(try #require(started16).checkpoint?.everything == true)
    }

    @Test func aCheckpointRidesWithTheNextCommitAndAnswersItsWaiters() throws {
        var machine = machine(checkpointEvery: 4)
        append(&machine)
        append(&machine)
        let result17 = machine.requestCheckpoint("operator")
        #expect(result17 == nil, "a flush is already scheduled")
        let started18 = machine.startCommit()
        let commit = try #require(started18)
        #expect(commit.checkpoint?.waiters == ["operator"])
        #expect(commit.checkpoint?.everything == false)
        append(&machine)
        let completion = machine.committed(commit, duration: .zero)
        #expect(completion.checkpointWaiters == ["operator"])
        #expect(machine.recordsSinceCheckpoint == 1, "the record appended during the checkpoint is after it")
        // checkpointEvery records since the last checkpoint ask for the next one by themselves.
        let started19 = machine.startCommit()
        let next = try #require(started19)
        #expect(next.checkpoint == nil)
        _ = machine.committed(next, duration: .zero)
        append(&machine)
        append(&machine)
        append(&machine)
        let started20 = machine.startCommit()
        #expect(try #require(started20).checkpoint != nil)
    }

    /// A checkpoint asked for while a commit runs is not lost when that commit fails: nothing
    /// else may come to start it (a stopping manager appends nothing more).
    @Test func aCheckpointAskedForDuringAFailingCommitStartsAfterIt() throws {
        var machine = machine()
        append(&machine)
        _ = machine.flushDue()
        let started = machine.startCommit()
        let commit = try #require(started)
        let delay = machine.requestCheckpoint("final")
        #expect(delay == .zero)
        let due = machine.flushDue()
        #expect(due)
        let blocked = machine.startCommit()
        #expect(blocked == nil, "the failing commit is still running")
        let failure = machine.failed(commit)
        #expect(failure.commitNext)
        let next = machine.startCommit()
        #expect(try #require(next).checkpoint?.waiters == ["final"])
    }

    @Test func aFailedCheckpointMakesTheNextOneRewriteEverything() throws {
        var machine = machine()
        append(&machine)
        _ = machine.requestCheckpoint("w")
        let started21 = machine.startCommit()
        let commit = try #require(started21)
        let completion = machine.committed(commit, checkpointFailed: true, duration: .zero)
        #expect(completion.checkpointWaiters == ["w"])
        #expect(machine.recordsSinceCheckpoint == 1, "the records stay to be folded in")
        _ = machine.requestCheckpoint("again")
        let started22 = machine.startCommit()
        #expect(try #require(started22).checkpoint?.everything == true)
    }

    /// In `full` mode the commit after one that released callers waits for them to call again.
    @Test func fullModeWaitsForTheCallersItReleasedBeforeTheNextCommit() throws {
        var machine = machine(.full)
        append(&machine)
        let result23 = machine.hold("a")
        #expect(result23 == .held)
        append(&machine)
        let result24 = machine.hold("b")
        #expect(result24 == .held)
        let started25 = machine.startCommit()
        let first = try #require(started25)
        append(&machine)
        let result26 = machine.hold("c")
        #expect(result26 == .held)
        let completion = machine.committed(first, duration: .milliseconds(1))
        #expect(completion.released == ["a", "b"])
        guard case .waitForGroup(let callers, let delay) = completion.next else {
            Issue.record("no group wait: \(completion.next)")
            return
        }
        #expect(callers == 3)
        #expect(delay == .microseconds(250))
        #expect(machine.isWaitingForGroup)
        let due27 = machine.flushDue()
        #expect(!due27, "a flush leaves the start to the group wait")
        append(&machine)
        let result28 = machine.hold("a again")
        #expect(result28 == .held)
        append(&machine)
        let result29 = machine.hold("b again")
        #expect(result29 == .heldCompletingGroup)
        let started30 = machine.startCommit()
        let second = try #require(started30)
        #expect(second.records.count == 3)
        // A long commit waits at most half a millisecond for the next group.
        let result31 = machine.hold("d")
        #expect(result31 == .held)
        guard case .waitForGroup(_, let capped) = machine.committed(second, duration: .seconds(1)).next else { return }
        #expect(capped == .microseconds(500))
    }

    @Test func normalModeStartsTheNextCommitAtOnce() throws {
        var machine = machine(.normal)
        append(&machine)
        let result32 = machine.hold("a")
        #expect(result32 == .held)
        let started33 = machine.startCommit()
        let first = try #require(started33)
        append(&machine)
        guard case .commit = machine.committed(first, duration: .milliseconds(1)).next else {
            Issue.record("normal mode waited")
            return
        }
    }

    @Test func aStoppedJournalCommitsNothingMore() {
        var machine = machine()
        append(&machine)
        machine.stop()
        let result34 = machine.startCommit()
        #expect(result34 == nil)
    }
}

