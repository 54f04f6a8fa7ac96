import DequeModule
import DurableWire
import Logging
import NIOCore
import NIOPosix

/// The manager's side of the journal, on the manager's event loop: numbers each record,
/// gathers records into batches, commits them through ``JournalFile`` on its own thread, and
/// holds every reply back until what it could have observed is committed.
///
/// Group commit: records appended while a commit is running go into the next one, so many calls
/// share one transaction; a call made while nothing is committing starts a commit at the end of
/// the current loop tick, so it never waits for other clients.
package final class Journal {
    private struct HeldReply {
        var seq: UInt64
        var link: ClientLink
        var message: WireMessage
    }

    let file: JournalFile
    let durability: Durability
    private let eventLoop: any EventLoop
    private let logger: Logger
    /// Checkpoint when this many records have been appended since the last one.
    private let checkpointEvery: Int

    package private(set) var lastAppended: UInt64
    package private(set) var lastCommitted: UInt64
    package private(set) var recordsSinceCheckpoint: Int
    private var batch: [JournalRecord] = []
    private var commitInFlight = false
    /// Jobs running on the journal's thread. While there are none, a `normal` commit runs right
    /// here on the loop: it costs no fsync, and it saves the two thread wake-ups of a hop.
    private var journalThreadJobs = 0
    /// Set once the manager stops: the file is being closed, nothing more is committed.
    private var isStopped = false
    private var flushScheduled = false
    private var held: Deque<HeldReply> = []
    /// Checked before every commit: nothing is acknowledged into a journal that was deleted or replaced.
    private var identity: JournalFileIdentity
    /// Logged once per time the journal goes missing, not at every refused commit.
    private var reportedDisplacement = false

    /// Set when a checkpoint is due; it runs with the next commit.
    private var checkpointRequested = false
    private var checkpointWaiters: [EventLoopPromise<Void>] = []
    /// A failed checkpoint leaves nothing known about what changed: the next writes everything.
    private var nextCheckpointWritesEverything = false

    /// Collects what a checkpoint must write; the store provides it.
    var checkpointPlan: (_ everything: Bool) -> CheckpointPlan = { _ in CheckpointPlan() }
    /// Told which objects' in-memory state went past the journal when a commit failed.
    var onCommitFailure: (_ objects: Set<UInt64>) -> Void = { _ in }

    init(file: JournalFile, durability: Durability, lastSeq: UInt64, recordsSinceCheckpoint: Int,
         checkpointEvery: Int, eventLoop: any EventLoop, logger: Logger) {
        self.file = file
        self.durability = durability
        self.lastAppended = lastSeq
        self.lastCommitted = lastSeq
        self.recordsSinceCheckpoint = recordsSinceCheckpoint
        self.checkpointEvery = checkpointEvery
        self.eventLoop = eventLoop
        self.logger = logger
        identity = JournalFileIdentity(path: file.path)
    }

    /// Appends a record for `object`. It is committed with the current batch.
    /// - Parameters:
    ///   - caller: The session and request id of the call that made it, if a call did.
    ///   - reply: That call's reply, which a retry of it gets after a restart.
    func append(object: UInt64, op: String, arguments: [Value], caller: (session: String, request: UInt64)? = nil, reply: Value? = nil) {
        lastAppended += 1
        batch.append(JournalRecord(
            seq: lastAppended, time: Self.now(), object: object, op: op, arguments: arguments,
            session: caller?.session, request: caller?.request, reply: reply
        ))
        recordsSinceCheckpoint += 1
        if recordsSinceCheckpoint >= checkpointEvery { checkpointRequested = true }
        scheduleCommit()
    }

    /// Holds `message` while records it could reflect are uncommitted.
    /// - Returns: true when held; the journal sends it after the commit.
    func holdUntilCommitted(_ message: WireMessage, for link: ClientLink) -> Bool {
        guard durability != .relaxed, lastAppended > lastCommitted || !held.isEmpty else { return false }
        held.append(HeldReply(seq: lastAppended, link: link, message: message))
        return true
    }

    /// Checkpoints at the next commit (now, if nothing is committing).
    func checkpoint() -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        checkpointWaiters.append(promise)
        checkpointRequested = true
        scheduleCommit(now: true)
        return promise.futureResult
    }

    private func scheduleCommit(now: Bool = false) {
        guard !flushScheduled else { return }
        flushScheduled = true
        let interval: TimeAmount = durability == .relaxed && !now ? .milliseconds(100) : .zero
        eventLoop.assumeIsolated().scheduleTask(in: interval) { [self] in
            flushScheduled = false
            startCommit()
        }
    }

    /// Runs `body` on the journal's thread; the result arrives on the loop.
    func onJournalThread<Result: Sendable>(_ body: @escaping @Sendable (JournalConnection) throws -> Result) -> EventLoopFuture<Result> {
        journalThreadJobs += 1
        let promise = eventLoop.makePromise(of: Result.self)
        file.run(on: eventLoop, body).assumeIsolated().whenComplete { [self] result in
            journalThreadJobs -= 1
            promise.completeWith(result)
        }
        return promise.futureResult
    }

    /// Commits nothing more: the manager stopped and closes the file (records of objects that a
    /// late sweep drops are left out; the next start drops them again).
    func stop() {
        isStopped = true
    }

    private func startCommit() {
        guard !isStopped, !commitInFlight, !batch.isEmpty || checkpointRequested else { return }
        let records = batch
        batch = []
        let upTo = lastAppended
        do {
            try identity.check()
            reportedDisplacement = false
        } catch {
            if !reportedDisplacement {
                logger.critical("the journal file is gone or replaced; every write is refused until it is back", metadata: ["error": "\(error)"])
                reportedDisplacement = true
            }
            let waiters = checkpointRequested ? checkpointWaiters : []
            if checkpointRequested {
                checkpointWaiters = []
                checkpointRequested = false
            }
            failed(records, error: error, waiters: waiters)
            return
        }
        if durability == .normal, !checkpointRequested, journalThreadJobs == 0 {
            do {
                try file.commitOnLoop(records)
                committed(upTo: upTo)
            } catch {
                failed(records, error: error, waiters: [])
            }
            return
        }
        let plan: CheckpointPlan? = checkpointRequested ? takeCheckpointPlan(upTo: upTo) : nil
        let waiters = plan == nil ? [] : checkpointWaiters
        if plan != nil { checkpointWaiters = [] }
        commitInFlight = true
        let started = NIODeadline.now()
        onJournalThread { connection in
            try connection.commit(records)
            guard let plan else { return JournalFile.CommitOutcome(checkpoint: nil) }
            do {
                try connection.checkpoint(plan)
                return JournalFile.CommitOutcome(checkpoint: .success(()))
            } catch {
                return JournalFile.CommitOutcome(checkpoint: .failure(error))
            }
        }.assumeIsolated().whenComplete { [self] result in
            commitInFlight = false
            switch result {
            case .success(let outcome):
                committed(upTo: upTo)
                if let checkpoint = outcome.checkpoint {
                    finishCheckpoint(checkpoint, plan: plan!, waiters: waiters, started: started)
                }
            case .failure(let error):
                failed(records, error: error, waiters: waiters)
            }
            if !batch.isEmpty || checkpointRequested { startCommit() }
        }
    }

    private func takeCheckpointPlan(upTo seq: UInt64) -> CheckpointPlan {
        var plan = checkpointPlan(nextCheckpointWritesEverything)
        plan.upTo = seq
        checkpointRequested = false
        nextCheckpointWritesEverything = false
        return plan
    }

    private func committed(upTo seq: UInt64) {
        lastCommitted = seq
        file.noteCommitted(upTo: seq)
        var links: [ObjectIdentifier: ClientLink] = [:]
        while let first = held.first, first.seq <= seq {
            held.removeFirst()
            first.link.writeReleased(first.message)
            links[ObjectIdentifier(first.link)] = first.link
        }
        for link in links.values { link.flush() }
    }

    private func finishCheckpoint(_ result: Result<Void, any Error>, plan: CheckpointPlan, waiters: [EventLoopPromise<Void>], started: NIODeadline) {
        switch result {
        case .success:
            recordsSinceCheckpoint = Int(lastAppended - plan.upTo)
            logger.info("checkpoint", metadata: [
                "objects": "\(plan.objects.count)", "upTo": "\(plan.upTo)",
                "ms": "\((NIODeadline.now() - started).nanoseconds / 1_000_000)",
            ])
            for waiter in waiters { waiter.succeed() }
        case .failure(let error):
            nextCheckpointWritesEverything = true
            logger.error("checkpoint failed; the journal is intact and the next checkpoint retries", metadata: ["error": "\(error)"])
            for waiter in waiters { waiter.fail(error) }
        }
    }

    /// A commit failed: its records and every record appended since are not on disk. Replies
    /// that could reflect them are answered with `JournalFailure`, and the store puts the
    /// objects they touched back to what the journal says.
    private func failed(_ records: [JournalRecord], error: any Error, waiters: [EventLoopPromise<Void>]) {
        let lost = records + batch
        batch = []
        lastAppended = lastCommitted
        recordsSinceCheckpoint -= lost.count
        logger.error("journal write failed; the calls it carried were refused", metadata: ["error": "\(error)", "records": "\(lost.count)"])
        let failure = ManagerError(.journalFailure, "the change could not be written to the journal, so it was not made: \(error)")
        var links: [ObjectIdentifier: ClientLink] = [:]
        while let reply = held.popFirst() {
            if case .reply(let id, .success) = reply.message {
                reply.link.writeReleased(.reply(id: id, result: .failure(failure)))
            } else {
                reply.link.writeReleased(reply.message)
            }
            links[ObjectIdentifier(reply.link)] = reply.link
        }
        for link in links.values { link.flush() }
        for waiter in waiters { waiter.fail(error) }
        nextCheckpointWritesEverything = true
        onCommitFailure(Set(lost.map(\.object)))
    }

    private static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
