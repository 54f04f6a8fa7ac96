/// What a journal's own tables say about it: its manager's epoch, its last stop and checkpoint,
/// and the span of records it holds.
public struct JournalFacts: Sendable, Hashable, Codable {
    /// The highest migration applied (`schema_migrations`).
    public var schemaVersion: Int
    /// The run of the manager that last opened the journal.
    public var epoch: UInt64
    /// Whether that run stopped cleanly; false while a manager runs and after a crash.
    public var cleanShutdown: Bool
    /// The last record folded into the checkpointed objects.
    public var checkpointSeq: UInt64
    /// When the last checkpoint ran (seconds since 1970); nil if none ran yet.
    public var lastCheckpointTime: Double?
    /// Records in the journal, all after `checkpointSeq`.
    public var records: Int
    /// The oldest record's number; nil when the journal holds none.
    public var firstSeq: UInt64?
    /// The newest record's number; nil when the journal holds none.
    public var lastSeq: UInt64?
}
