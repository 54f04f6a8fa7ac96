import DurableWire

/// What a manager found when it started on a journal, as the record it appends before it
/// listens: object 0 (the manager), op `start`, one map as its argument.
///
/// The record changes no object; a replay passes over it. It is how a restart shows in the
/// journal: `durablectl journal` prints it as a sentence. A checkpoint folds it away with the
/// records before it, as it does every record.
///
/// ```swift
/// for record in try reader.records() {
///     if let start = ManagerStart(record) { print(record.seq, start) }
///     // 1 manager started: epoch 7, pid 4242, after a crash or kill (no clean stop), replayed 12 records
/// }
/// ```
public struct ManagerStart: Sendable, Hashable, CustomStringConvertible {
    /// How the run before this start ended.
    public struct LastStop: Sendable, Hashable, CustomStringConvertible {
        /// The word the record stores: `clean`, `unclean` or `none`.
        public let code: String

        /// It stopped cleanly: a final checkpoint, nothing to replay.
        public static let clean = LastStop(code: "clean")
        /// It crashed or was killed: the start replayed the journal since the last checkpoint.
        public static let unclean = LastStop(code: "unclean")
        /// No manager ran on the journal before: this was its first start.
        public static let none = LastStop(code: "none")

        /// The stop in words, as the start's sentence says it: "after a clean stop".
        public var description: String {
            switch code {
            case "clean": "after a clean stop"
            case "unclean": "after a crash or kill (no clean stop)"
            case "none": "the journal's first start"
            default: "after a stop recorded as '\(code)'"
            }
        }
    }

    /// The op of the record; its object is 0, the manager.
    public static let op = StoreOp.start.rawValue

    /// This run's epoch: ids of in-memory objects it makes carry it.
    public var epoch: UInt64
    /// The manager's process id.
    public var pid: Int32
    /// How the run before ended.
    public var lastStop: LastStop
    /// Records the start replayed onto the last checkpoint.
    public var replayed: Int
    /// Records the lock file says were committed and the journal no longer held, which the start
    /// accepted (`serve --accept-journal-loss`); 0 otherwise.
    public var recordsLost: UInt64
    /// The journal's schema version.
    public var schemaVersion: Int

    package init(epoch: UInt64, pid: Int32, lastStop: LastStop, replayed: Int, recordsLost: UInt64, schemaVersion: Int) {
        self.epoch = epoch
        self.pid = pid
        self.lastStop = lastStop
        self.replayed = replayed
        self.recordsLost = recordsLost
        self.schemaVersion = schemaVersion
    }

    /// Reads a start record; nil for any other record, or one whose map lacks a field.
    public init?(_ record: JournalRecord) {
        guard record.object == 0, record.op == Self.op, case .map(let fields)? = record.arguments.first,
              case .int(let epoch)? = fields["epoch"], case .int(let pid)? = fields["pid"],
              case .string(let lastStop)? = fields["lastStop"], case .int(let replayed)? = fields["replayed"],
              case .int(let recordsLost)? = fields["recordsLost"], case .int(let schemaVersion)? = fields["schemaVersion"]
        else { return nil }
        self.init(
            epoch: UInt64(bitPattern: epoch), pid: Int32(truncatingIfNeeded: pid), lastStop: LastStop(code: lastStop),
            replayed: Int(replayed), recordsLost: UInt64(bitPattern: recordsLost), schemaVersion: Int(schemaVersion)
        )
    }

    /// The record's arguments: one map, so that later fields can be added without breaking readers.
    var arguments: [Value] {
        [[
            "epoch": .int(Int64(bitPattern: epoch)), "pid": .int(Int64(pid)), "lastStop": .string(lastStop.code),
            "replayed": .int(Int64(replayed)), "recordsLost": .int(Int64(bitPattern: recordsLost)),
            "schemaVersion": .int(Int64(schemaVersion)),
        ]]
    }

    /// One sentence: "manager started: epoch 7, pid 4242, after a clean stop, replayed 0 records".
    public var description: String {
        var text = "manager started: epoch \(epoch), pid \(pid), \(lastStop), replayed \(replayed) record\(replayed == 1 ? "" : "s")"
        if recordsLost > 0 {
            text += ", accepting the loss of \(recordsLost) committed record\(recordsLost == 1 ? "" : "s") (--accept-journal-loss)"
        }
        return text
    }
}
