import DequeModule
import NIOCore

/// The journal's group commit as a state machine, with no I/O: which records go into which
/// commit, which replies wait for which commit, when a checkpoint rides along, and what a
/// commit's success or failure releases. ``Journal`` runs its actions (commits on the journal's
/// thread, timers, writes to clients); tests drive it step by step.
///
/// Its rules:
/// - Records appended while a commit runs go into the next one, so many calls share one
///   transaction. A record appended while nothing commits starts a commit at the end of the
///   current loop tick (after 100 ms in `relaxed` mode).
/// - A reply that could reflect an uncommitted record is held until that record is committed;
///   in `relaxed` mode nothing is held.
/// - A failed commit loses its records and every record appended since: every held reply is
///   answered with a failure, and the objects those records touched are read back.
/// - In `full` mode the commit after one that released replies waits for their callers to call
///   again, up to a quarter of the last commit (``next(released:duration:)`` says why).
///
/// `Reply` is what is held (a message and its connection); `Waiter` what a checkpoint answers.
struct GroupCommitStateMachine<Reply, Waiter> {
    /// One commit to run: its records, the last seq it makes durable, and a checkpoint when one
    /// rides along.
    struct Commit {
        var records: [JournalRecord]
        var upTo: UInt64
        var checkpoint: Checkpoint?
    }

    struct Checkpoint {
        /// Rewrite every object: a failed checkpoint left nothing known about what changed.
        var everything: Bool
        var waiters: [Waiter]
    }

    /// What a successful commit releases, and what comes next.
    struct Completion {
        var released: [Reply]
        var checkpointWaiters: [Waiter]
        var next: Next
    }

    /// What a failed commit (or one that could not start) answers with a failure.
    struct Failure {
        /// Held replies: a success among them becomes a failure, the rest go as they are.
        var replies: [Reply]
        var checkpointWaiters: [Waiter]
        /// The objects whose in-memory state went past the journal.
        var objects: Set<UInt64>
        /// A checkpoint asked for while the commit ran: start it (its waiters are answered by it).
        var commitNext: Bool
    }

    enum Next {
        case idle
        /// Start the next commit now.
        case commit
        /// Wait for `callers` held replies, or `delay`, whichever comes first, then commit.
        case waitForGroup(callers: Int, delay: TimeAmount)
    }

    private struct Held {
        var seq: UInt64
        var reply: Reply
    }

    let durability: Durability
    /// Checkpoint once this many records were appended since the last one.
    let checkpointEvery: Int

    private(set) var lastAppended: UInt64
    private(set) var lastCommitted: UInt64
    private(set) var recordsSinceCheckpoint: Int
    private var batch: [JournalRecord] = []
    private var held: Deque<Held> = []
    private(set) var commitInFlight = false
    private var flushScheduled = false
    private var checkpointRequested = false
    private var checkpointWaiters: [Waiter] = []
    private var nextCheckpointWritesEverything = false
    /// While the next `full` commit waits for its group: how many held replies start it.
    private var groupWait: Int?
    private var stopped = false

    init(durability: Durability, checkpointEvery: Int, lastSeq: UInt64, recordsSinceCheckpoint: Int) {
        self.durability = durability
        self.checkpointEvery = checkpointEvery
        lastAppended = lastSeq
        lastCommitted = lastSeq
        self.recordsSinceCheckpoint = recordsSinceCheckpoint
    }

    /// Whether a group wait is running (its timer is ``Journal``'s).
    var isWaitingForGroup: Bool { groupWait != nil }

    // MARK: Events

    /// The seq the next record gets.
    var nextSeq: UInt64 { lastAppended + 1 }

    /// Takes `record` (numbered ``nextSeq``) into the current batch.
    /// - Returns: The delay after which to call ``flushDue()``, when no flush is scheduled yet.
    mutating func append(_ record: JournalRecord) -> TimeAmount? {
        precondition(record.seq == lastAppended + 1, "records are appended in order")
        lastAppended = record.seq
        batch.append(record)
        recordsSinceCheckpoint += 1
        if recordsSinceCheckpoint >= checkpointEvery { checkpointRequested = true }
        return scheduleFlush(now: false)
    }

    enum HoldAction: Equatable {
        /// Nothing it could reflect is uncommitted: send it.
        case send
        case held
        /// Held, and the held replies complete the group the next commit waits for: start it.
        case heldCompletingGroup
    }

    /// Holds `reply` while records it could reflect are uncommitted.
    mutating func hold(_ reply: Reply) -> HoldAction {
        guard durability != .relaxed, lastAppended > lastCommitted || !held.isEmpty else { return .send }
        held.append(Held(seq: lastAppended, reply: reply))
        if let callers = groupWait, held.count >= callers {
            groupWait = nil
            return .heldCompletingGroup
        }
        return .held
    }

    /// Asks for a checkpoint with the next commit.
    /// - Returns: The delay after which to call ``flushDue()``, when no flush is scheduled yet.
    mutating func requestCheckpoint(_ waiter: Waiter) -> TimeAmount? {
        checkpointWaiters.append(waiter)
        checkpointRequested = true
        return scheduleFlush(now: true)
    }

    private mutating func scheduleFlush(now: Bool) -> TimeAmount? {
        guard !flushScheduled else { return nil }
        flushScheduled = true
        return durability == .relaxed && !now ? .milliseconds(100) : .zero
    }

    /// The scheduled flush came.
    /// - Returns: Whether to start a commit now (not while a group wait runs: it starts one).
    mutating func flushDue() -> Bool {
        flushScheduled = false
        return groupWait == nil
    }

    /// The group wait's time ran out.
    mutating func groupWaitExpired() {
        groupWait = nil
    }

    /// Takes what the next commit carries, if anything is to be committed and nothing commits.
    mutating func startCommit() -> Commit? {
        groupWait = nil
        guard !stopped, !commitInFlight, !batch.isEmpty || checkpointRequested else { return nil }
        var commit = Commit(records: batch, upTo: lastAppended, checkpoint: nil)
        batch = []
        if checkpointRequested {
            commit.checkpoint = Checkpoint(everything: nextCheckpointWritesEverything, waiters: checkpointWaiters)
            checkpointRequested = false
            checkpointWaiters = []
            nextCheckpointWritesEverything = false
        }
        commitInFlight = true
        return commit
    }

    /// The commit succeeded; a checkpoint with it may have failed.
    /// - Parameters:
    ///   - checkpointFailed: The checkpoint that rode along failed (the records are committed).
    ///   - duration: How long the commit took, which bounds a group wait.
    mutating func committed(_ commit: Commit, checkpointFailed: Bool = false, duration: TimeAmount) -> Completion {
        commitInFlight = false
        lastCommitted = commit.upTo
        var released: [Reply] = []
        while let first = held.first, first.seq <= commit.upTo {
            released.append(held.removeFirst().reply)
        }
        if commit.checkpoint != nil {
            if checkpointFailed {
                nextCheckpointWritesEverything = true
            } else {
                recordsSinceCheckpoint = Int(lastAppended - commit.upTo)
            }
        }
        return Completion(released: released, checkpointWaiters: commit.checkpoint?.waiters ?? [], next: next(released: released.count, duration: duration))
    }

    /// What follows a commit: nothing, the next commit, or (in `full` mode, after a commit
    /// that released replies) a wait for the callers it released.
    ///
    /// In `full` mode the callers whose replies a commit released usually call again within a
    /// round trip. A commit started at once would leave them to the one after it, and writers
    /// would settle into two groups that take turns, each paying a whole fsync for half of them.
    /// So the next commit waits for them: until as many replies are held as callers took part
    /// in the last two commits, or for a quarter of the last commit's time (at most half a
    /// millisecond), whichever comes first. (Measured at 8 writers on 2 busy cores: 4.5 records
    /// per commit, and waiting up to half the commit, 1 ms at most, did no better: there the
    /// writers' own CPU, not the commit's start, keeps them apart.)
    private mutating func next(released: Int, duration: TimeAmount) -> Next {
        guard !batch.isEmpty || checkpointRequested else { return .idle }
        guard durability == .full, !checkpointRequested, released > 0, !stopped else { return .commit }
        let callers = held.count + released
        groupWait = callers
        return .waitForGroup(callers: callers, delay: min(.nanoseconds(duration.nanoseconds / 4), .microseconds(500)))
    }

    /// The commit failed (or could not start): its records and every record appended since are
    /// not in the journal.
    mutating func failed(_ commit: Commit) -> Failure {
        commitInFlight = false
        let lost = commit.records + batch
        batch = []
        lastAppended = lastCommitted
        recordsSinceCheckpoint -= lost.count
        nextCheckpointWritesEverything = true
        let replies = held.map(\.reply)
        held = []
        return Failure(
            replies: replies, checkpointWaiters: commit.checkpoint?.waiters ?? [], objects: Set(lost.map(\.object)),
            commitNext: checkpointRequested && !stopped
        )
    }

    /// Commits nothing more: the manager stopped.
    mutating func stop() {
        stopped = true
    }

    var isStopped: Bool { stopped }
}
