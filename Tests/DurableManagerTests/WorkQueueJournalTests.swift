@testable import DurableManager
import DurableWire
import Foundation
import NIOCore
import Testing

/// A WorkQueue on a real SQLite journal that crashes and restarts (``DurableHarness``): every
/// item comes back where it was, a lease to the same session with its whole lease again, a
/// delayed item with what is left of its delay; and what timers and ended sessions change is
/// journaled like a call's change.
@Suite(.serialized)
final class WorkQueueJournalTests {
    /// The wall clock the harness's stores read, moved by the tests between runs.
    private final class Clock {
        var now = 1_700_000_000.0
    }

    private let folder: String
    private let clock: Clock
    private let harness: DurableHarness

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("dm-workqueue-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let clock = Clock()
        self.clock = clock
        harness = try DurableHarness(path: folder + "/journal.sqlite", checkpointEvery: 10_000, wallClock: { clock.now })
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Calls and expects an answer at once.
    @discardableResult
    private func call(_ client: FramedClient, _ target: UInt64, _ method: String, _ arguments: [Value] = []) throws -> Value {
        let id = try client.call(target, method, arguments)
        harness.settle()
        guard let reply = try client.takeReply(id) else { throw HarnessError("\(method) parked") }
        return try reply.get()
    }

    private func createQueue(_ client: FramedClient, _ arguments: [Value]) throws -> UInt64 {
        guard case .reference(let reference) = try call(client, 0, "create", ["WorkQueue", "jobs", .array(arguments)]) else {
            throw HarnessError("create did not return a reference")
        }
        return reference.id
    }

    private func take(_ client: FramedClient, _ queue: UInt64, _ arguments: [Value] = []) throws -> WorkQueueTests.Taken {
        try WorkQueueTests.taken(try call(client, queue, "take", arguments))
    }

    private func state(_ queue: UInt64) -> Value {
        harness.store.objects[queue]?.object.currentState ?? .null
    }

    private func queued(_ queue: UInt64) throws -> Value {
        guard case .map(let fields) = state(queue), let queued = fields["queued"] else { throw HarnessError("no queued items in \(state(queue))") }
        return queued
    }

    private func expectMemoryEqualsJournal(_ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(harness.durableObjects == (try harness.journalObjects()), comment, sourceLocation: sourceLocation)
    }

    @Test func aCrashAndACleanStopBringBackQueuedLeasedDelayedAndDeadItemsExactly() throws {
        let worker = try harness.connect(session: "worker")
        let jobs = try createQueue(worker, [30, 2])
        for item: Value in ["a", "b", "c", "d"] { try call(worker, jobs, "put", [item]) }
        let leased = try take(worker, jobs)
        try call(worker, jobs, "nack", [.int(try take(worker, jobs).tag), 60])
        try call(worker, jobs, "nack", [.int(try take(worker, jobs).tag)])
        try call(worker, jobs, "nack", [.int(try take(worker, jobs).tag)])
        let before = state(jobs)
        guard case .map(let fields) = before else { throw HarnessError("the state is \(before)") }
        #expect(fields["queued"] == [["item": "d", "deliveries": 0]])
        #expect(fields["leased"] == [["tag": 1, "item": "a", "deliveries": 1, "session": "worker", "lease": 30.0]])
        #expect(fields["delayed"] == [["tag": 2, "item": "b", "deliveries": 1, "delay": 60.0, "until": 1_700_000_060.0]])
        #expect(fields["dead"] == [["item": "c", "deliveries": 2, "reason": "nacked"]])
        #expect(fields["nextTag"] == 5)
        try expectMemoryEqualsJournal()

        try harness.crashAndRestart()
        #expect(state(jobs) == before)
        #expect(harness.startInfo.records > 0)
        try harness.stopCleanlyAndRestart()
        #expect(state(jobs) == before)
        #expect(harness.startInfo.records == 0)

        // The lease is still the worker's session's: it acks it as if nothing happened.
        let back = try harness.connect(session: "worker")
        #expect(try call(back, jobs, "ack", [.int(leased.tag)]) == .null)
        #expect(try take(back, jobs) == .init(tag: 5, item: "d", deliveries: 1))
        try expectMemoryEqualsJournal()
    }

    @Test func aRestoredLeaseGetsItsWholeLeaseAgainFromTheStart() throws {
        let worker = try harness.connect(session: "worker")
        let jobs = try createQueue(worker, [10])
        try call(worker, jobs, "put", ["a"])
        _ = try take(worker, jobs)
        harness.loop.advanceTime(by: .seconds(8))
        try harness.crashAndRestart()
        let back = try harness.connect(session: "worker")
        harness.loop.advanceTime(by: .milliseconds(9_900))
        #expect(try queued(jobs) == [])
        harness.loop.advanceTime(by: .milliseconds(100))
        #expect(try queued(jobs) == [["item": "a", "deliveries": 1]])
        try expectMemoryEqualsJournal()
        #expect(try JournalReader(path: harness.path).records().last?.op == "expire")
        withExtendedLifetime(back) {}
    }

    @Test func aDelayedItemComesBackWithWhatIsLeftOfItsDelay() throws {
        let worker = try harness.connect(session: "worker")
        let jobs = try createQueue(worker, [])
        try call(worker, jobs, "put", ["a"])
        try call(worker, jobs, "nack", [.int(try take(worker, jobs).tag), 10])
        clock.now += 4
        try harness.crashAndRestart()
        harness.loop.advanceTime(by: .milliseconds(5_900))
        #expect(try queued(jobs) == [])
        harness.loop.advanceTime(by: .milliseconds(100))
        #expect(try queued(jobs) == [["item": "a", "deliveries": 1]])
        try expectMemoryEqualsJournal()
        #expect(try JournalReader(path: harness.path).records().last?.op == "ready")
    }

    @Test func aClockSetBackDoesNotLengthenADelayAndOnePastItEndsItAtOnce() throws {
        let worker = try harness.connect(session: "worker")
        let jobs = try createQueue(worker, [])
        for item: Value in ["a", "b"] { try call(worker, jobs, "put", [item]) }
        try call(worker, jobs, "nack", [.int(try take(worker, jobs).tag), 10])
        clock.now -= 3600
        try harness.crashAndRestart()
        harness.loop.advanceTime(by: .milliseconds(9_900))
        #expect(try queued(jobs) == [["item": "b", "deliveries": 0]])
        harness.loop.advanceTime(by: .milliseconds(100))
        #expect(try queued(jobs) == [["item": "a", "deliveries": 1], ["item": "b", "deliveries": 0]])

        let again = try harness.connect(session: "worker")
        try call(again, jobs, "nack", [.int(try take(again, jobs).tag), 10])
        clock.now += 3600
        try harness.crashAndRestart()
        harness.settle()
        #expect(try queued(jobs) == [["item": "a", "deliveries": 2], ["item": "b", "deliveries": 0]])
        try expectMemoryEqualsJournal()
    }

    @Test func aSessionThatDoesNotComeBackAfterARestartLosesItsLeasesAfterTheGracePeriod() throws {
        let gone = try harness.connect(session: "gone")
        let staying = try harness.connect(session: "staying")
        let jobs = try createQueue(gone, [3600])
        for item: Value in ["a", "b"] { try call(gone, jobs, "put", [item]) }
        _ = try take(gone, jobs)
        let kept = try take(staying, jobs)
        try harness.crashAndRestart()
        let back = try harness.connect(session: "staying")
        harness.loop.advanceTime(by: .milliseconds(4_900))
        #expect(try queued(jobs) == [])
        harness.loop.advanceTime(by: .milliseconds(100))
        #expect(try queued(jobs) == [["item": "a", "deliveries": 1]])
        #expect(try JournalReader(path: harness.path).records().last?.op == "session_ended")
        try expectMemoryEqualsJournal()
        #expect(try call(back, jobs, "ack", [.int(kept.tag)]) == .null)
    }

    @Test func whatTimersAndEndedSessionsChangeIsJournaledAsItHappens() throws {
        let worker = try harness.connect(session: "worker")
        let other = try harness.connect(session: "other")
        let jobs = try createQueue(other, [5, 2])
        for item: Value in ["a", "b", "c"] { try call(other, jobs, "put", [item]) }
        _ = try take(worker, jobs, [true, nil, 1])
        _ = try take(worker, jobs, [true, nil, 60])
        try call(other, jobs, "nack", [.int(try take(other, jobs).tag), 2])
        // A parked take gets the first item back, and its take is journaled after what freed it.
        let parked = try other.call(jobs, "take", [true, nil, 60])
        harness.loop.advanceTime(by: .seconds(1))
        #expect(try other.takeReply(parked) != nil)
        try expectMemoryEqualsJournal("after a lease expired")
        harness.loop.advanceTime(by: .seconds(1))
        try expectMemoryEqualsJournal("after a delay")
        try worker.channel.close().wait()
        harness.loop.advanceTime(by: .seconds(5))
        try expectMemoryEqualsJournal("after a session ended")
        let ops = try JournalReader(path: harness.path).records().filter { $0.object == jobs }.map(\.op)
        #expect(ops == ["create", "put", "put", "put", "take", "take", "take", "nack", "expire", "take", "ready", "session_ended"])
        try harness.crashAndRestart()
        try expectMemoryEqualsJournal("after a crash")
    }

    @Test func itemsNestedAsDeepAsAClientMaySendAreJournaledShownAndRestored() throws {
        let worker = try harness.connect(session: "worker")
        let jobs = try createQueue(worker, [30, 2])
        var deep: Value = "deep"
        for _ in 0..<ValueNesting.accepted { deep = .array([deep]) }
        for _ in 0..<4 { try call(worker, jobs, "put", [deep]) }
        _ = try take(worker, jobs)
        try call(worker, jobs, "nack", [.int(try take(worker, jobs).tag), 60])
        try call(worker, jobs, "nack", [.int(try take(worker, jobs).tag)])
        try call(worker, jobs, "nack", [.int(try take(worker, jobs).tag)])
        guard case .map(let fields) = state(jobs) else { throw HarnessError("the state is \(state(jobs))") }
        for place in ["queued", "leased", "delayed", "dead"] {
            guard case .array(let entries)? = fields[.string(place)] else { throw HarnessError("no \(place) in \(state(jobs))") }
            #expect(entries.count == 1, "\(place)")
        }
        // Every reply the client reads nests at most ValueNesting.stored: the harness reads them so.
        let described = try call(worker, 0, "describe", ["jobs"])
        #expect(described.nesting == ValueNesting.accepted + 4)
        #expect(try call(worker, jobs, "dead").nesting == ValueNesting.accepted + 2)
        #expect(try call(worker, jobs, "take").nesting == ValueNesting.accepted + 1)
        try expectMemoryEqualsJournal()
        let before = state(jobs)
        try harness.stopCleanlyAndRestart()
        #expect(state(jobs) == before)
    }

    @Test func tagsStayUniqueAcrossRestartsAndCheckpoints() throws {
        var worker = try harness.connect(session: "worker")
        let jobs = try createQueue(worker, [])
        try call(worker, jobs, "put", ["a"])
        try call(worker, jobs, "ack", [.int(try take(worker, jobs).tag)])
        try harness.crashAndRestart()
        worker = try harness.connect(session: "worker")
        try call(worker, jobs, "put", ["b"])
        #expect(try take(worker, jobs).tag == 2)
        try harness.stopCleanlyAndRestart()
        worker = try harness.connect(session: "worker")
        try call(worker, jobs, "put", ["c"])
        #expect(try take(worker, jobs).tag == 3)
    }
}
