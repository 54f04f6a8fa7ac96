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

    /// While the next `full` commit waits for the callers the last one released: how many held
    /// replies start it at once, and the timer that starts it anyway.
    private var groupWait: (callers: Int, timer: Scheduled<Void>)?
    /// How long the last commit on the journal's thread took, which bounds a group wait.
    private var lastCommitDuration = TimeAmount.zero

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
        identity = file.filePath.map(JournalFileIdentity.init(path:))
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
        if let wait = groupWait, held.count >= wait.callers {
            wait.timer.cancel()
            groupWait = nil
            startCommit()
        }
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
            // A group wait starts the commit itself, with the callers it waits for.
            if groupWait == nil { startCommit() }
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
        isStopped = true
    }

    private func startCommit() {
        groupWait?.timer.cancel()
        groupWait = nil
        guard !isStopped, !commitInFlight, !batch.isEmpty || checkpointRequested else { return }
        let records = batch
        batch = []
        let upTo = lastAppended
        do {
            try identity?.check()
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
        if durability == .normal, file.commitsOnLoop, !checkpointRequested, journalThreadJobs == 0 {
            do {
                let walPages = try file.commitOnLoop(records)
                counted(records.count, walPages: walPages)
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
        var released = 0
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
            commitInFlight = false
            switch result {
            case .success(let outcome):
                lastCommitDuration = .now() - started
                counted(records.count, walPages: outcome.walPages)
                released = committed(upTo: upTo)
                if let checkpoint = outcome.checkpoint {
                    finishCheckpoint(checkpoint, plan: plan!, waiters: waiters, started: started)
                }
            case .failure(let error):
                failed(records, error: error, waiters: waiters)
            }
            if !batch.isEmpty || checkpointRequested { startNextCommit(released: released) }
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
        guard walPages >= Self.walCheckpointPages, !walCheckpointRunning, !isStopped else { return }
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

    private func takeCheckpointPlan(upTo seq: UInt64) -> CheckpointPlan {
        var plan = checkpointPlan(nextCheckpointWritesEverything)
        plan.upTo = seq
        checkpointRequested = false
        nextCheckpointWritesEverything = false
        return plan
    }

    /// Releases the replies the commit up to `seq` held.
    /// - Returns: How many it released.
    @discardableResult
    private func committed(upTo seq: UInt64) -> Int {
        lastCommitted = seq
        file.noteCommitted(upTo: seq)
        var links: [ObjectIdentifier: ClientLink] = [:]
        var released = 0
        while let first = held.first, first.seq <= seq {
            held.removeFirst()
            first.link.writeReleased(first.message)
            links[ObjectIdentifier(first.link)] = first.link
            released += 1
        }
        for link in links.values { link.flush() }
        return released
    }

    /// Starts the commit of what arrived while the last one ran.
    ///
    /// In `full` mode the callers whose replies the last commit released usually call again
    /// within a round trip. A commit started at once would leave them to the one after it, and
    /// writers would settle into two groups that take turns, each paying a whole fsync for half
    /// of them. So the next commit waits for them: until as many replies are held as callers
    /// took part in the last two commits, or for a quarter of the last commit's time (at most
    /// half a millisecond), whichever comes first. (Measured at 8 writers on 2 busy cores: 4.5
    /// records per commit, and waiting up to half the commit, 1 ms at most, did no better: there
    /// the writers' own CPU, not the commit's start, keeps them apart.)
    private func startNextCommit(released: Int) {
        guard durability == .full, !checkpointRequested, released > 0, !isStopped else {
            startCommit()
            return
        }
        let callers = held.count + released
        let delay = min(.nanoseconds(lastCommitDuration.nanoseconds / 4), TimeAmount.microseconds(500))
        let timer = eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            groupWait = nil
            startCommit()
        }
        groupWait = (callers, timer)
    }

    private func finishCheckpoint(_ result: Result<Void, any Error>, plan: CheckpointPlan, waiters: [EventLoopPromise<Void>], started: NIODeadline) {
        switch result {
        case .success:
            recordsSinceCheckpoint = Int(lastAppended - plan.upTo)
            // Its transaction, and the WAL truncated after it.
            statistics.checkpoints += 1
            statistics.walCheckpoints += 1
            statistics.fsyncs += durability == .full ? 2 : 1
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
