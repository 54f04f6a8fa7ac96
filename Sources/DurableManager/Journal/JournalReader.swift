import DurableWire
import Logging
import NIOEmbedded
#if canImport(Glibc)
import Glibc
#endif

/// Reads a journal file without changing it: its facts, its records, and the state of its
/// objects at any sequence number it still holds.
///
/// The connection is read-only and takes no lock, so a manager may run on the file meanwhile
/// (SQLite's WAL lets readers and the writer go on together). Each call reads in one read
/// transaction: a checkpoint committed in the middle is not half seen. Use a reader from one
/// thread at a time.
///
/// ```swift
/// let reader = try JournalReader(path: "/var/lib/jobs/manager.sqlite")
/// let snapshot = try reader.snapshot()
/// for object in snapshot.objects {
///     print(object.id, object.name ?? "-", object.typeID, object.state)
/// }
/// ```
public final class JournalReader {
    /// The journal file.
    public let path: String
    private let connection: any JournalConnection
    /// The file whose lock shows a running manager; nil on PostgreSQL.
    private let filePath: String?

    /// Opens the journal at `path` read-only: an SQLite file, or a `postgresql://` URI with
    /// the journal's tables in `postgresSchema`.
    /// Objects of types this build does not know (a custom manager's) are rebuilt from the
    /// states their records carry.
    /// - Throws: ``JournalError`` when the file or database cannot be opened, is not a journal,
    ///   or was written by a newer version.
    public init(path: String, postgresSchema: String = "durablemanager") throws(JournalError) {
        switch try JournalLocation(path, schema: postgresSchema) {
        case .file(let file):
            self.path = file
            filePath = file
            connection = try SQLiteJournalConnection(readingOnly: file)
        case .postgres(let address):
            self.path = address.description
            filePath = nil
            connection = try PostgresJournalConnection.openReader(address)
        }
    }

    /// The journal's facts from its own tables.
    public func facts() throws(JournalError) -> JournalFacts {
        try connection.reading { () throws(JournalError) in try connection.facts() }
    }

    /// The pid of the manager running on the journal now, or nil when none is.
    ///
    /// Probes the lock a running manager holds on `PATH.lock` (a shared lock taken and released
    /// at once, never the file itself); on PostgreSQL, asks who holds the journal's lease.
    public func runningManager() -> Int32? {
        guard let path = filePath else { return (connection as? PostgresJournalConnection)?.leaseHolderPID() }
        let descriptor = open(path + ".lock", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_SH | LOCK_NB) != 0 else {
            flock(descriptor, LOCK_UN)
            return nil
        }
        // The first line: the pid, padded with spaces (the commit mark follows on the second).
        var holder = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &holder, holder.count, 0)
        guard count > 0 else { return -1 }
        let line = holder[0..<count].prefix { $0 != UInt8(ascii: "\n") }.filter { $0 != UInt8(ascii: " ") }
        return Int32(String(decoding: line, as: UTF8.self)) ?? -1
    }

    /// The type and name of every object the journal knows, without reading states: those of
    /// the last checkpoint, then of the `create`, `unname` and `drop` records after it. Dropped
    /// objects keep their entry (marked), so that their records can still be named.
    public func objectNames() throws(JournalError) -> [UInt64: JournalObjectName] {
        try connection.reading { () throws(JournalError) in
            var names: [UInt64: JournalObjectName] = [:]
            for row in try connection.objectNames() { names[row.id] = JournalObjectName(typeID: row.typeID, name: row.name) }
            for record in try connection.lifecycleRecords() { JournalObjectName.note(record, in: &names) }
            return names
        }
    }

    /// Up to `limit` records after `seq`, oldest first; only `object`'s when given.
    public func records(after seq: UInt64 = 0, object: UInt64? = nil, limit: Int = .max) throws(JournalError) -> [JournalRecord] {
        try connection.reading { () throws(JournalError) in try connection.records(after: seq, limit: limit, object: object) }
    }

    /// Up to `limit` records after `seq`, and the span of records after `seq` that a checkpoint
    /// folded in before they could be read: what a follower missed.
    public func newRecords(after seq: UInt64, limit: Int = .max) throws(JournalError) -> (folded: ClosedRange<UInt64>?, records: [JournalRecord]) {
        try connection.reading { () throws(JournalError) in
            let checkpointSeq = try connection.facts().checkpointSeq
            let folded = checkpointSeq > seq ? (seq + 1)...checkpointSeq : nil
            return (folded, try connection.records(after: seq, limit: limit, object: nil))
        }
    }

    /// Where to read from for the last `count` records after `seq` (only `object`'s, when
    /// given): the seq just before the first of them.
    public func tailStart(_ count: Int, after seq: UInt64 = 0, object: UInt64? = nil) throws(JournalError) -> UInt64 {
        try connection.reading { () throws(JournalError) in try connection.seq(beforeLast: count, after: seq, object: object) }
    }

    /// Every object as it was after record `seq` (the latest state when nil): the checkpoint,
    /// then every record up to `seq` replayed in memory, as a manager's start does.
    /// - Parameter progress: Called after each chunk of records with how many are replayed and
    ///   how many there are.
    /// - Throws: ``JournalError``: damaged when a row or a record cannot be read or replayed
    ///   (the message names it), or `seq` is not in the journal: before the checkpoint, whose
    ///   earlier records are gone, or after the last record.
    public func snapshot(at seq: UInt64? = nil, progress: (_ replayed: Int, _ total: Int) -> Void = { _, _ in }) throws(JournalError) -> JournalSnapshot {
        try connection.reading { () throws(JournalError) in
            let facts = try connection.facts()
            let upTo = try self.upTo(seq, facts)
            // Records at or below the checkpoint (damage) count as none, not as an underflow.
            let total = min(facts.records, facts.lastSeq.map { min(upTo, $0) > facts.checkpointSeq ? Int(clamping: min(upTo, $0) - facts.checkpointSeq) : 0 } ?? 0)
            return try rebuild(upTo: upTo, facts: facts, only: nil) { replayed in progress(replayed, total) }
        }
    }

    /// One object as it was after record `seq` (the latest state when nil), or nil when no
    /// object had that name or id then. Only that object's rows and records are read, so it
    /// costs what the object's own history does, not the whole journal.
    /// - Parameter reference: A name, `#ID` or ID, as it was at `seq`.
    /// - Throws: ``JournalError`` as ``snapshot(at:progress:)`` does.
    public func object(_ reference: String, at seq: UInt64? = nil) throws(JournalError) -> JournalObject? {
        try connection.reading { () throws(JournalError) in
            let facts = try connection.facts()
            let upTo = try self.upTo(seq, facts)
            var names: [UInt64: JournalObjectName] = [:]
            for row in try connection.objectNames() { names[row.id] = JournalObjectName(typeID: row.typeID, name: row.name) }
            for record in try connection.lifecycleRecords() where record.seq <= upTo { JournalObjectName.note(record, in: &names) }
            let live = names.filter { !$0.value.isDropped }
            let number = UInt64(reference.hasPrefix("#") ? String(reference.dropFirst()) : reference)
            guard let id = live.first(where: { $0.value.name == reference })?.key ?? number.flatMap({ live[$0] == nil ? nil : $0 }) else {
                return nil
            }
            return try rebuild(upTo: upTo, facts: facts, only: id) { _ in }.objects.first
        }
    }

    /// `seq`, or the last record, checked to be one the journal can show a state at.
    private func upTo(_ seq: UInt64?, _ facts: JournalFacts) throws(JournalError) -> UInt64 {
        let upTo = seq ?? facts.lastSeq ?? facts.checkpointSeq
        guard upTo >= facts.checkpointSeq, upTo <= max(facts.lastSeq ?? 0, facts.checkpointSeq) else {
            throw .notInJournal(path, seq: upTo, checkpointSeq: facts.checkpointSeq, lastSeq: facts.lastSeq)
        }
        return upTo
    }

    /// The checkpoint and the records up to `upTo` replayed into a store on an embedded loop,
    /// with the same code a start uses; only object `only`'s when given. Call inside `reading`.
    private func rebuild(upTo: UInt64, facts: JournalFacts, only: UInt64?, progress: (_ replayed: Int) -> Void) throws(JournalError) -> JournalSnapshot {
        let store = ObjectStore(
            registry: .syncManager, epoch: facts.epoch, sessionGrace: .hours(1), eventLoop: EmbeddedEventLoop(),
            logger: Logger(label: "durablemanager.reader", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        store.readsUnknownTypesAsRecordedState = true
        store.journalPath = path
        try store.restore(try connection.loadObjects(only: only))
        var lastTouched: [UInt64: UInt64] = [:]
        var after = facts.checkpointSeq
        var replayed = 0
        while after < upTo {
            let chunk = only == nil ? try connection.recordsToReplay(after: after, limit: 20_000) : try connection.records(after: after, limit: 20_000, object: only)
            let records = chunk.prefix { $0.seq <= upTo }
            guard let last = records.last else { break }
            try store.replay(Array(records))
            for record in records { lastTouched[record.object] = record.seq }
            replayed += records.count
            after = last.seq
            progress(replayed)
        }
        let objects = store.objects.sorted { $0.key < $1.key }.map { id, entry in
            JournalObject(id: id, typeID: entry.type.typeID, name: entry.name, state: entry.object.currentState, lastSeq: lastTouched[id])
        }
        return JournalSnapshot(seq: upTo, epoch: facts.epoch, replayed: replayed, objects: objects)
    }

    /// Checks the file and its contents: SQLite's integrity check, then a full replay that must
    /// rebuild every object without error.
    /// - Returns: Every problem found, each saying where; empty when the journal is sound.
    public func verify(progress: (_ replayed: Int, _ total: Int) -> Void = { _, _ in }) throws(JournalError) -> JournalVerification {
        // One read transaction: a checkpoint a running manager commits meanwhile is not half seen.
        let integrity = try connection.reading { () throws(JournalError) in connection.integrityProblems() }
        guard integrity.isEmpty else {
            return JournalVerification(problems: integrity.map { "integrity check: \($0)" }, objects: 0, replayed: 0)
        }
        // Read first: a running manager writes its mark after each commit, so the file read
        // afterwards holds at least what the mark says.
        let mark = JournalFile.commitMark(besides: path)
        do {
            let snapshot = try snapshot(progress: progress)
            let facts = try facts()
            let end = CommitMark(epoch: facts.epoch, seq: max(facts.lastSeq ?? 0, facts.checkpointSeq))
            if let expected = mark, !end.reaches(expected) {
                let problem = "the journal ends at record \(end.seq) (epoch \(end.epoch)), but its manager committed up to record \(expected.seq) (epoch \(expected.epoch)), as \(path).lock says: records were lost"
                return JournalVerification(problems: [problem], objects: snapshot.objects.count, replayed: snapshot.replayed)
            }
            return JournalVerification(problems: [], objects: snapshot.objects.count, replayed: snapshot.replayed)
        } catch where !error.isNewerSchema {
            return JournalVerification(problems: [error.detail], objects: 0, replayed: 0)
        }
    }
}
