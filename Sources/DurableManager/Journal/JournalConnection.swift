import DurableWire

/// The journal's statements over one connection to where it is kept: an SQLite file
/// (``SQLiteJournalConnection``) or a PostgreSQL schema (``PostgresJournalConnection``).
///
/// Everything above it (``Journal``'s group commit and held replies, recovery, checkpoints,
/// the readers) is the same for both. A connection is used by one thread at a time, the
/// journal's (``JournalFile``), so it needs no lock; every call blocks that thread until the
/// store answers.
protocol JournalConnection: AnyObject {
    /// Where the journal is, as errors and `ping` name it (a PostgreSQL URL without its password).
    var place: String { get }
    /// Whether a `normal` commit is cheap enough to run on the manager's loop (a local file
    /// with no fsync), or must go to the journal's thread (a round trip to a server).
    var commitsOnLoop: Bool { get }

    /// Applies migrations and reads what a start needs.
    /// - Parameters:
    ///   - expected: Where the journal's manager last committed, when a mark outside the
    ///     journal says so: a journal that ends before it went backwards and is refused.
    ///   - acceptingLoss: Start on a journal that went backwards all the same.
    func start(expecting expected: CommitMark?, acceptingLoss: Bool) throws(JournalError) -> JournalFile.StartInfo
    /// Records that a manager runs on the journal as `start.epoch` until a clean stop, and
    /// appends its start record after `lastSeq`, in one transaction.
    /// - Returns: The start record's seq.
    func beginRun(_ start: ManagerStart, after lastSeq: UInt64) throws(JournalError) -> UInt64
    /// Commits `records` in one transaction.
    /// - Returns: The WAL's length in pages after it (0 where there is no WAL to fold in).
    @discardableResult
    func commit(_ records: [JournalRecord]) throws(JournalError) -> Int
    /// Folds the write-ahead log into the journal, where the journal keeps one itself.
    func checkpointWAL() throws(JournalError)
    /// Writes the plan's objects and drops the records it includes, in one transaction.
    func checkpoint(_ plan: CheckpointPlan) throws(JournalError)
    /// Marks the stop clean, after the final checkpoint.
    func markClean() throws(JournalError)

    /// What the journal's tables say about it, without changing anything.
    func facts() throws(JournalError) -> JournalFacts
    /// Whether the journal holds any object or record of one (start records are no state).
    func holdsState() throws(JournalError) -> Bool
    /// Raises the epoch to at least `epoch`, so that ids made later cannot collide with imported ones.
    func raiseEpoch(to epoch: UInt64) throws(JournalError)
    /// Runs `body` in one read transaction, so that a checkpoint committed meanwhile is not half seen.
    func reading<Result>(_ body: () throws(JournalError) -> Result) throws(JournalError) -> Result
    /// What the store's own check finds wrong, one finding per line; empty when sound.
    func integrityProblems() -> [String]
    /// Every object as of the last checkpoint, or only `id`'s, each row checked.
    func loadObjects(only id: UInt64?) throws(JournalError) -> [JournalFile.StoredObject]
    /// The replies the last checkpoint remembered, each checked.
    func loadReplies() throws(JournalError) -> [ReplyMemory.Row]
    /// The seq after which the last `count` records after `seq` (only `object`'s, when given) begin.
    func seq(beforeLast count: Int, after seq: UInt64, object: UInt64?) throws(JournalError) -> UInt64
    /// Up to `limit` records after `seq`, oldest first; only `object`'s when given.
    func records(after seq: UInt64, limit: Int, object: UInt64?) throws(JournalError) -> [JournalRecord]
    /// Every checkpointed object's id, type and name, without its state.
    func objectNames() throws(JournalError) -> [(id: UInt64, typeID: String, name: String?)]
    /// Every `create`, `unname` and `drop` record, oldest first.
    func lifecycleRecords() throws(JournalError) -> [JournalRecord]
}

extension JournalConnection {
    /// Every object as of the last checkpoint.
    func loadObjects() throws(JournalError) -> [JournalFile.StoredObject] {
        try loadObjects(only: nil)
    }

    /// Up to `limit` records after `seq`, which must follow it with no gap: what a replay reads,
    /// chunk after chunk from the checkpoint on. A record that damage made vanish is refused.
    func recordsToReplay(after seq: UInt64, limit: Int) throws(JournalError) -> [JournalRecord] {
        let records = try records(after: seq, limit: limit, object: nil)
        for (offset, record) in records.enumerated() where record.seq != seq + UInt64(offset) + 1 {
            throw .damaged(place, "record \(seq + UInt64(offset) + 1) is missing from the journal (the next is \(record.seq))")
        }
        return records
    }
}
