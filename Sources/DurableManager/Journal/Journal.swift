import DurableWire
import Logging
import NIOCore
import NIOPosix

/// The manager's side of the journal, on the manager's event loop: numbers each record,
/// gathers records into batches, commits them through ``JournalFile`` on its own thread, and
/// holds every reply back until what it could have observed is committed.
///
/// Which records go into which commit and which replies wait for it is
/// ``GroupCommitStateMachine``'s to decide; this type runs what it decides: the commits, the
/// timers, the writes of released replies, the statistics.
package final class Journal {
    private struct HeldReply {
        var link: ClientLink
        var message: WireMessage
    }

    private typealias Machine = GroupCommitStateMachine<HeldReply, EventLoopPromise<Void>>

    let file: JournalFile
    let durability: Durability
    private let eventLoop: any EventLoop
    private let logger: Logger
    /// Which records go into which commit, and which replies wait for it.
    private var machine: Machine

    package var lastAppended: UInt64 { machine.lastAppended }
    package var lastCommitted: UInt64 { machine.lastCommitted }
    package var recordsSinceCheckpoint: Int { machine.recordsSinceCheckpoint }
    /// Jobs running on the journal's thread. While there are none, a `normal` commit on SQLite
    /// runs right here on the loop: it costs no fsync, and it saves the two thread wake-ups of a hop.
    private var journalThreadJobs = 0
    /// Checked before every commit: nothing is acknowledged into a journal file that was deleted
    /// or replaced. None on PostgreSQL, whose lease and epoch fence play that part.
    private var identity: JournalFileIdentity?
    /// Logged once per time the journal goes missing, not at every refused commit.
    private var reportedDisplacement = false

    /// What has been written, for `ping`.
    package private(set) var statistics = JournalStatistics()
    private var statisticsWindow = JournalStatisticsWindow()
    /// A WAL checkpoint runs on the journal's thread (only one at a time).
    private var walCheckpointRunning = false
    /// Fold the WAL into the file once it is this many pages long: SQLite's own default for
    /// its automatic checkpoint, which the journal does itself, off the loop.
    static let walCheckpointPages = 1000

    /// The timer that starts a `full` commit waiting for its group anyway.
    private var groupTimer: Scheduled<Void>?
    /// How long the last commit on the journal's thread took, which bounds a group wait.
    private var lastCommitDuration = TimeAmount.zero

    /// Collects what a checkpoint must write; the store provides it.
    var checkpointPlan: (_ everything: Bool) -> CheckpointPlan = { _ in CheckpointPlan() }
    /// Told which objects' in-memory state went past the journal when a commit failed.
    var onCommitFailure: (_ objects: Set<UInt64>) -> Void = { _ in }

    init(file: JournalFile, durability: Durability, lastSeq: UInt64, recordsSinceCheckpoint: Int,
         checkpointEvery: Int, eventLoop: any EventLoop, logger: Logger) {
        self.file = file
        self.durability = durability
        self.eventLoop = eventLoop
        self.logger = logger
        machine = Machine(durability: durability, checkpointEvery: checkpointEvery, lastSeq: lastSeq, recordsSinceCheckpoint: recordsSinceCheckpoint)
        identity = file.filePath.map(JournalFileIdentity.init(path:))
    }

    /// Appends a record for `object`. It is committed with the current batch.
    /// - Parameters:
    ///   - caller: The session and request id of the call that made it, if a call did.
    ///   - reply: That call's reply, which a retry of it gets after a restart.
    func append(object: UInt64, op: String, arguments: [Value], caller: (session: String, request: UInt64)? = nil, reply: Value? = nil) {
        let record = JournalRecord(
            seq: machine.nextSeq, time: Self.now(), object: object, op: op, arguments: arguments,
            session: caller?.session, request: caller?.request, reply: reply
        )
        if let delay = machine.append(record) { scheduleFlush(in: delay) }
    }

    /// Holds `message` while records it could reflect are uncommitted.
    /// - Returns: true when held; the journal sends it after the commit.
    func holdUntilCommitted(_ message: WireMessage, for link: ClientLink) -> Bool {
        switch machine.hold(HeldReply(link: link, message: message)) {
        case .send:
            return false
        case .held:
            return true
        case .heldCompletingGroup:
            startCommit()
            return true
        }
    }

    /// Checkpoints at the next commit (now, if nothing is committing).
    func checkpoint() -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        if let delay = machine.requestCheckpoint(promise) { scheduleFlush(in: delay) }
        return promise.futureResult
    }

    private func scheduleFlush(in delay: TimeAmount) {
        eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            if machine.flushDue() { startCommit() }
        }
    }

    /// Runs `body` on the journal's thread; the result arrives on the loop.
    func onJournalThread<Result: Sendable>(_ body: @escaping @Sendable (any JournalConnection) throws -> Result) -> EventLoopFuture<Result> {
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
        machine.stop()
    }

    private func startCommit() {
        groupTimer?.cancel()
        groupTimer = nil
        guard let commit = machine.startCommit() else { return }
        do {
            try identity?.check()
            reportedDisplacement = false
        } catch {
            if !reportedDisplacement {
                logger.critical("the journal file is gone or replaced; every write is refused until it is back", metadata: ["error": "\(error)"])
                reportedDisplacement = true
            }
            failed(commit, error: error)
            return
        }
        if durability == .normal, file.commitsOnLoop, commit.checkpoint == nil, journalThreadJobs == 0 {
            do {
                let walPages = try file.commitOnLoop(commit.records)
                counted(commit.records.count, walPages: walPages)
                completed(commit, duration: .zero)
            } catch {
                failed(commit, error: error)
            }
            return
        }
        let plan: CheckpointPlan? = commit.checkpoint.map { checkpoint in
            var plan = checkpointPlan(checkpoint.everything)
            plan.upTo = commit.upTo
            return plan
        }
        let records = commit.records
        let started = NIODeadline.now()
        onJournalThread { connection in
            let walPages = try connection.commit(records)
            guard let plan else { return JournalFile.CommitOutcome(walPages: walPages, checkpoint: nil) }
            do {
                try connection.checkpoint(plan)
                return JournalFile.CommitOutcome(walPages: 0, checkpoint: .success(()))
            } catch {
                return JournalFile.CommitOutcome(walPages: walPages, checkpoint: .failure(error))
            }
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let outcome):
                lastCommitDuration = .now() - started
                counted(records.count, walPages: outcome.walPages)
                var checkpointError: (any Error)?
                if let plan, let checkpoint = outcome.checkpoint {
                    report(checkpoint, plan: plan, started: started)
                    if case .failure(let error) = checkpoint { checkpointError = error }
                }
                completed(commit, duration: lastCommitDuration, checkpointError: checkpointError)
            case .failure(let error):
                failed(commit, error: error)
            }
        }
    }

    /// Releases what the commit held, answers its checkpoint's waiters, and starts what follows.
    private func completed(_ commit: Machine.Commit, duration: TimeAmount, checkpointError: (any Error)? = nil) {
        let completion = machine.committed(commit, checkpointFailed: checkpointError != nil, duration: duration)
        file.noteCommitted(upTo: commit.upTo)
        var links: [ObjectIdentifier: ClientLink] = [:]
        for reply in completion.released {
            reply.link.writeReleased(reply.message)
            links[ObjectIdentifier(reply.link)] = reply.link
        }
        for link in links.values { link.flush() }
        for waiter in completion.checkpointWaiters {
            if let checkpointError { waiter.fail(checkpointError) } else { waiter.succeed() }
        }
        switch completion.next {
        case .idle:
            break
        case .commit:
            startCommit()
        case .waitForGroup(_, let delay):
            // ``GroupCommitStateMachine`` says why a `full` commit waits for the callers it released.
            groupTimer = eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
                groupTimer = nil
                machine.groupWaitExpired()
                startCommit()
            }
        }
    }

    /// Counts a commit of `records` records, and folds the WAL in on the journal's thread once
    /// it grew past ``walCheckpointPages``.
    private func counted(_ records: Int, walPages: Int) {
        if records > 0 {
            statistics.commits += 1
            statistics.records += records
            if durability == .full { statistics.fsyncs += 1 }
        }
        statisticsWindow.note(statistics, at: .now())
        guard walPages >= Self.walCheckpointPages, !walCheckpointRunning, !machine.isStopped else { return }
        walCheckpointRunning = true
        onJournalThread { try $0.checkpointWAL() }.assumeIsolated().whenComplete { [self] result in
            walCheckpointRunning = false
            switch result {
            case .success:
                statistics.walCheckpoints += 1
                statistics.fsyncs += 1
            case .failure(let error):
                // The WAL goes on growing and the next commit past the bound tries again; the
                // records in it are committed all the same.
                logger.warning("folding the WAL into the journal failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The counts so far, and their rates per second over the last ten seconds or so.
    package func statisticsNow() -> (total: JournalStatistics, recent: (commits: Double, records: Double, fsyncs: Double)) {
        let now = NIODeadline.now()
        return (statistics, statisticsWindow.rates(statistics, at: now))
    }

    /// Logs a checkpoint's outcome and counts it.
    private func report(_ result: Result<Void, any Error>, plan: CheckpointPlan, started: NIODeadline) {
        switch result {
        case .success:
            statistics.checkpoints += 1
            // Its transaction, and on SQLite the WAL truncated after it (PostgreSQL folds its own).
            if file.filePath != nil {
                statistics.walCheckpoints += 1
                statistics.fsyncs += durability == .full ? 2 : 1
            } else if durability == .full {
                statistics.fsyncs += 1
            }
            logger.info("checkpoint", metadata: [
                "objects": "\(plan.objects.count)", "upTo": "\(plan.upTo)",
                "ms": "\((NIODeadline.now() - started).nanoseconds / 1_000_000)",
            ])
        case .failure(let error):
            logger.error("checkpoint failed; the journal is intact and the next checkpoint retries", metadata: ["error": "\(error)"])
        }
    }

    /// A commit failed: its records and every record appended since are not on disk. Replies
    /// that could reflect them are answered with `JournalFailure`, and the store puts the
    /// objects they touched back to what the journal says.
    private func failed(_ commit: Machine.Commit, error: any Error) {
        let failure = machine.failed(commit)
        if let error = error as? JournalError, error.isOutcomeUnknown {
            // The commit may have landed (a standby then serves it) or not: a refusal could be a
            // lie either way. The callers are cut off instead, and send their calls again, under
            // the same ids, to whichever manager serves next, which answers each exactly once.
            // This manager has lost its database and stops (``ManagerServer``).
            logger.error("the journal's database went away during a commit; its callers are disconnected to ask again", metadata: ["error": "\(error)"])
            for reply in failure.replies { reply.link.disconnect() }
            for waiter in failure.checkpointWaiters { waiter.fail(error) }
            return
        }
        logger.error("journal write failed; the calls it carried were refused", metadata: ["error": "\(error)", "records": "\(commit.records.count)"])
        let refusal = ManagerError(.journalFailure, "the change could not be written to the journal, so it was not made: \(error)")
        var links: [ObjectIdentifier: ClientLink] = [:]
        for reply in failure.replies {
            if case .reply(let id, .success) = reply.message {
                reply.link.writeReleased(.reply(id: id, result: .failure(refusal)))
            } else {
                reply.link.writeReleased(reply.message)
            }
            links[ObjectIdentifier(reply.link)] = reply.link
        }
        for link in links.values { link.flush() }
        for waiter in failure.checkpointWaiters { waiter.fail(error) }
        onCommitFailure(failure.objects)
        // No append may come to schedule it (a stopping manager's final checkpoint).
        if failure.commitNext { startCommit() }
    }

    private static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
