/// Why the journal could not be opened, read or written.
///
/// Every message names the file and says what to do.
///
/// ```swift
/// do {
///     try await server.run()
/// } catch let error as JournalError {
///     print(error)   // journal /var/lib/jobs.sqlite was written by a newer version ...
/// }
/// ```
public struct JournalError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case cannotOpen
        case notAJournal
        case newerSchema(found: Int, supported: Int)
        case damaged
        case writeFailed
        case outcomeUnknown
        case full
        case inUse
        case holdsState
        case unregisteredType(typeID: String, object: UInt64)
        case notInJournal(seq: UInt64, checkpointSeq: UInt64, lastSeq: UInt64?)
        case wentBackwards(found: CommitMark, expected: CommitMark)
        case missing(expected: CommitMark)
        case emptyFile
        case displaced
    }

    private let code: Code
    /// The journal file.
    public let path: String
    /// What SQLite or the check said.
    public let detail: String

    private init(_ code: Code, path: String, detail: String) {
        self.code = code
        self.path = path
        self.detail = detail
    }

    static func cannotOpen(_ path: String, _ detail: String) -> JournalError { .init(.cannotOpen, path: path, detail: detail) }
    static func notAJournal(_ path: String, _ detail: String) -> JournalError { .init(.notAJournal, path: path, detail: detail) }
    static func newerSchema(_ path: String, found: Int, supported: Int) -> JournalError {
        .init(.newerSchema(found: found, supported: supported), path: path, detail: "")
    }
    static func damaged(_ path: String, _ detail: String) -> JournalError { .init(.damaged, path: path, detail: detail) }
    static func writeFailed(_ path: String, _ detail: String) -> JournalError { .init(.writeFailed, path: path, detail: detail) }
    static func outcomeUnknown(_ path: String, _ detail: String) -> JournalError { .init(.outcomeUnknown, path: path, detail: detail) }
    static func full(_ path: String, _ detail: String) -> JournalError { .init(.full, path: path, detail: detail) }
    static func inUse(_ path: String, _ detail: String) -> JournalError { .init(.inUse, path: path, detail: detail) }
    static func holdsState(_ path: String) -> JournalError { .init(.holdsState, path: path, detail: "") }
    static func unregisteredType(_ path: String, typeID: String, object: UInt64) -> JournalError {
        .init(.unregisteredType(typeID: typeID, object: object), path: path, detail: "")
    }
    static func notInJournal(_ path: String, seq: UInt64, checkpointSeq: UInt64, lastSeq: UInt64?) -> JournalError {
        .init(.notInJournal(seq: seq, checkpointSeq: checkpointSeq, lastSeq: lastSeq), path: path, detail: "")
    }
    static func wentBackwards(_ path: String, found: CommitMark, expected: CommitMark) -> JournalError {
        .init(.wentBackwards(found: found, expected: expected), path: path, detail: "")
    }
    static func missing(_ path: String, expected: CommitMark) -> JournalError { .init(.missing(expected: expected), path: path, detail: "") }
    static func emptyFile(_ path: String) -> JournalError { .init(.emptyFile, path: path, detail: "") }
    static func displaced(_ path: String, _ detail: String) -> JournalError { .init(.displaced, path: path, detail: detail) }

    /// Another manager has the journal open.
    public var isInUse: Bool { code == .inUse }

    /// The disk (or the database's page limit) is full.
    public var isDiskFull: Bool { code == .full }

    /// The connection to the database ended while a write waited for its answer: it may or may
    /// not have been committed, so nobody may be told either.
    public var isOutcomeUnknown: Bool { code == .outcomeUnknown }

    /// The file is not a DurableManager journal (another program's database, or not SQLite).
    public var isNotAJournal: Bool { code == .notAJournal }

    /// The journal was written by a newer version of DurableManager.
    public var isNewerSchema: Bool {
        if case .newerSchema = code { true } else { false }
    }

    /// The file or a value in it is damaged.
    public var isDamaged: Bool { code == .damaged }

    /// The journal holds objects of a type this manager does not register: it belongs to a
    /// custom manager.
    public var isForAnotherManager: Bool {
        if case .unregisteredType = code { true } else { false }
    }

    /// The journal holds less than its manager committed (a lost WAL, a truncated, emptied,
    /// deleted or replaced file): `serve --accept-journal-loss` starts on it anyway.
    public var isJournalLoss: Bool {
        switch code {
        case .wentBackwards, .missing, .emptyFile: true
        default: false
        }
    }

    /// An import was refused because the journal already holds objects or records.
    public var isHoldingState: Bool { code == .holdsState }

    public var description: String {
        switch code {
        case .cannotOpen:
            "cannot open the journal \(path): \(detail)"
        case .notAJournal:
            "\(path) is not a DurableManager journal (\(detail)); it was left untouched: give --journal a journal file or a new path"
        case .newerSchema(let found, let supported):
            "journal \(path) was written by a newer version (schema \(found), this build reads up to \(supported)); run a newer durablectl"
        case .damaged:
            "journal \(path) is damaged (\(detail)); it was left untouched: restore it from a backup or run `durablectl verify` on a copy"
        case .writeFailed:
            "cannot write the journal \(path): \(detail)"
        case .outcomeUnknown:
            "the journal \(path) may or may not hold the last write: \(detail)"
        case .full:
            "the journal \(path) cannot grow: \(detail); free disk space and the manager resumes by itself"
        case .inUse:
            "the journal \(path) is in use: \(detail)"
        case .holdsState:
            "the journal \(path) already holds objects or records; import only into a new journal file"
        case .unregisteredType(let typeID, let object):
            "journal \(path) holds object #\(object) of type '\(typeID)', which this manager does not register; it was left untouched: serve it with the custom manager that registers '\(typeID)'"
        case .notInJournal(let seq, let checkpointSeq, let lastSeq) where seq < checkpointSeq:
            "record \(seq) of \(path) was folded into the checkpoint at \(checkpointSeq); states from \(checkpointSeq) to \(lastSeq ?? checkpointSeq) can be shown"
        case .notInJournal(let seq, let checkpointSeq, let lastSeq):
            "\(path) has no record \(seq) yet; states from \(checkpointSeq) to \(lastSeq ?? checkpointSeq) can be shown"
        case .wentBackwards(let found, let expected):
            "journal \(path) went backwards: it ends at record \(found.seq) (epoch \(found.epoch)), but its manager had committed up to record \(expected.seq) (epoch \(expected.epoch)), as \(path).lock records; records were lost (a deleted WAL, or a truncated or replaced file). It was left untouched: restore it from a backup, or start with --accept-journal-loss to serve what it holds"
        case .missing(let expected):
            "journal \(path) is missing, but its manager had committed up to record \(expected.seq) (epoch \(expected.epoch)) there, as \(path).lock records: restore it, or start with --accept-journal-loss to begin a new journal"
        case .emptyFile:
            "journal \(path) is an empty file, not a journal: a journal that lost its contents is not a new one. Delete it to start a new journal, or start with --accept-journal-loss"
        case .displaced:
            "journal \(path) is not the file the manager opened (\(detail)): nothing is acknowledged until it is back; stop the manager and restore the file"
        }
    }
}
