import CSQLite
import DurableWire
package import Logging
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// The journal, an SQLite file or a PostgreSQL schema, and the thread that uses its connection.
///
/// Statements run on this type's single-thread pool, one job after another, or, for a `normal`
/// commit on SQLite, on the manager's loop while no pool job runs (``Journal`` keeps that rule):
/// the connection is never used by two threads at once, so it needs no lock.
package final class JournalFile: Sendable {
    /// What the journal said at start-up.
    package struct StartInfo: Sendable {
        package var epoch: UInt64
        package var checkpointSeq: UInt64
        package var lastSeq: UInt64
        package var cleanShutdown: Bool
        package var records: Int
        /// Records the lock file says were committed and the journal no longer holds, when the
        /// start accepted their loss (`--accept-journal-loss`).
        package var recordsLost: UInt64 = 0
        /// The journal's schema version (the SQLite file's, or the PostgreSQL schema's).
        package var schemaVersion = JournalSchema.latestVersion

        /// The record this start appends once it replayed `replayed` records.
        package func startRecord(replayed: Int) -> ManagerStart {
            // Epoch 0 is a journal no run began on: the first start makes it 1.
            let lastStop: ManagerStart.LastStop = epoch == 1 ? .none : cleanShutdown ? .clean : .unclean
            return ManagerStart(
                epoch: epoch, pid: getpid(), lastStop: lastStop, replayed: replayed, recordsLost: recordsLost,
                schemaVersion: schemaVersion
            )
        }
    }

    package struct StoredObject: Sendable {
        package var id: UInt64
        package var typeID: String
        package var name: String?
        package var state: RestoredState

        package init(id: UInt64, typeID: String, name: String?, state: RestoredState) {
            self.id = id
            self.typeID = typeID
            self.name = name
            self.state = state
        }
    }

    struct CommitOutcome: Sendable {
        /// The WAL's length in pages after the commit.
        var walPages: Int
        /// The checkpoint's result, when one ran with the commit.
        var checkpoint: Result<Void, any Error>?
    }

    /// The file's path, or the PostgreSQL URL without its password: what logs and `ping` show.
    package let path: String
    /// The file's path, for the checks only a file needs (deleted, replaced); nil on PostgreSQL.
    package let filePath: String?
    /// The journal's thread; nil for a file whose jobs run on the caller's thread (``openInline(path:durability:)``).
    private let pool: NIOThreadPool?
    /// Held with `flock` while the manager runs, so that a second manager cannot open the same
    /// journal (readers such as `durablectl` do not take it). PostgreSQL's lease is its
    /// connection's advisory lock instead.
    private let lockDescriptor: Int32?
    /// Never used by two threads at once (see the type's comment).
    private nonisolated(unsafe) let connection: any JournalConnection
    /// Whether a `normal` commit may run on the manager's loop.
    let commitsOnLoop: Bool
    /// Completes when a PostgreSQL journal's connection ends, and with it the manager's lease.
    let leaseEnded: EventLoopFuture<Void>?

    /// This run's epoch, written with every commit's mark.
    private let epoch: UInt64

    private init(path: String, pool: NIOThreadPool?, connection: any JournalConnection, lockDescriptor: Int32?, epoch: UInt64) {
        self.path = path
        self.pool = pool
        self.connection = connection
        self.lockDescriptor = lockDescriptor
        self.epoch = epoch
        commitsOnLoop = connection.commitsOnLoop
        leaseEnded = (connection as? PostgresJournalConnection)?.closed
        filePath = lockDescriptor == nil ? nil : path
    }

    // The lock file: the holder's pid on its first line, the commit mark on its second, each a
    // fixed width so that either is rewritten in place (`cat JOURNAL.lock` shows both).
    private static let pidWidth = 20
    private static let markWidth = 64

    /// Takes the journal's lock file, or says which manager holds it.
    ///
    /// Blocks for up to half a second: a lock just released can still be held for a moment by a
    /// child process this one forked (the descriptor closes only at the child's `exec`), so a
    /// manager restarted in a process that starts others would otherwise be refused by itself.
    private static func lock(_ path: String) throws(JournalError) -> Int32 {
        let lockPath = path + ".lock"
        let descriptor = Glibc.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .cannotOpen(path, "cannot create \(lockPath): \(String(cString: strerror(errno)))") }
        var attempts = 0
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0, attempts < 50 {
            attempts += 1
            usleep(10_000)
        }
        guard attempts < 50 else {
            let pid = readLine(descriptor, at: 0, width: pidWidth) ?? "?"
            Glibc.close(descriptor)
            throw .inUse(path, "another manager (pid \(pid)) has it open; stop that one first")
        }
        // The mark stays: it is what the next start checks the journal against.
        writeLine("\(getpid())", to: descriptor, at: 0, width: pidWidth)
        return descriptor
    }

    /// The commit mark in the lock file beside `path`, read without taking the lock (for
    /// `verify`, which may run beside the manager).
    static func commitMark(besides path: String) -> CommitMark? {
        let descriptor = Glibc.open(path + ".lock", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { Glibc.close(descriptor) }
        return readMark(descriptor)
    }

    /// The commit mark the lock file holds, if any.
    private static func readMark(_ descriptor: Int32) -> CommitMark? {
        readLine(descriptor, at: off_t(pidWidth), width: markWidth).flatMap(CommitMark.init(line:))
    }

    /// Writes `text` padded with spaces to `width` bytes, the last a newline.
    private static func writeLine(_ text: String, to descriptor: Int32, at offset: off_t, width: Int) {
        var bytes = Array(text.utf8.prefix(width - 1))
        bytes += [UInt8](repeating: 0x20, count: width - 1 - bytes.count) + [0x0A]
        _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, offset) }
    }

    private static func readLine(_ descriptor: Int32, at offset: off_t, width: Int) -> String? {
        var bytes = [UInt8](repeating: 0, count: width)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
        guard count > 0 else { return nil }
        let text = String(decoding: bytes[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// Refuses, before anything creates or changes it, a journal that is missing although its
    /// manager committed there, or that is an empty file: neither is a new journal.
    private static func checkBeforeOpening(_ path: String, expected: CommitMark?, acceptingLoss: Bool) throws(JournalError) {
        guard !acceptingLoss else { return }
        var status = stat()
        guard stat(path, &status) == 0 else {
            if let expected, expected.seq > 0 { throw .missing(path, expected: expected) }
            return
        }
        if status.st_size == 0 { throw .emptyFile(path) }
    }

    /// Opens the journal with its lock taken: checks the file against the lock file's mark,
    /// then that it is a journal this build reads, and migrates it.
    private static func openLocked(path: String, durability: Durability, maxPageCount: Int?, acceptingLoss: Bool) throws -> (Int32, any JournalConnection, StartInfo) {
        let lockDescriptor = try lock(path)
        do {
            let mark = readMark(lockDescriptor)
            try checkBeforeOpening(path, expected: mark, acceptingLoss: acceptingLoss)
            let connection = try SQLiteJournalConnection(path: path, durability: durability, maxPageCount: maxPageCount)
            return (lockDescriptor, connection, try connection.start(expecting: mark, acceptingLoss: acceptingLoss))
        } catch {
            Glibc.close(lockDescriptor)
            throw error
        }
    }

    /// Records in the lock file that the journal holds every record up to `seq`: a start that
    /// finds less refuses the journal (``JournalError/isJournalLoss``).
    func noteCommitted(upTo seq: UInt64) {
        guard let lockDescriptor else { return }
        Self.writeLine(CommitMark(epoch: epoch, seq: seq).line, to: lockDescriptor, at: off_t(Self.pidWidth), width: Self.markWidth)
    }

    /// Opens (or creates) the journal at `path`: checks it against the commit mark its last
    /// manager left in the lock file, that it is ours and not from a newer version, applies
    /// migrations, and starts a new epoch.
    /// - Parameter acceptingLoss: Start on a journal that holds less than its manager committed
    ///   (`serve --accept-journal-loss`); the start info says how many records were lost.
    /// - Throws: ``JournalError`` naming the file; a file that is refused is never changed.
    package static func open(path: String, durability: Durability, maxPageCount: Int? = nil, acceptingLoss: Bool = false) async throws -> (JournalFile, StartInfo) {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        do {
            // On the journal's thread: taking the lock may wait.
            let (lockDescriptor, connection, info) = try await pool.runIfActive {
                let (lockDescriptor, connection, info) = try openLocked(path: path, durability: durability, maxPageCount: maxPageCount, acceptingLoss: acceptingLoss)
                return (lockDescriptor, UncheckedBox(connection), info)
            }
            return (JournalFile(path: path, pool: pool, connection: connection.value, lockDescriptor: lockDescriptor, epoch: info.epoch), info)
        } catch {
            try? await pool.shutdownGracefully()
            throw error
        }
    }

    /// Opens the journal `location` names: an SQLite file as ``open(path:durability:maxPageCount:acceptingLoss:)``
    /// does, or a PostgreSQL schema, whose lease it takes (or, for a `standby`, waits for).
    /// - Parameter waiting: Told once, with the holder, when a standby finds the lease taken.
    package static func open(
        _ location: JournalLocation, durability: Durability, maxPageCount: Int? = nil, acceptingLoss: Bool = false,
        standby: Bool = false, logger: Logger, waiting: @escaping @Sendable (_ holder: String) -> Void = { _ in }
    ) async throws -> (JournalFile, StartInfo) {
        guard case .postgres(let address) = location else {
            return try await open(path: location.description, durability: durability, maxPageCount: maxPageCount, acceptingLoss: acceptingLoss)
        }
        let connection: PostgresJournalConnection
        if standby {
            connection = try await waitForLease(address, durability: durability, logger: logger, waiting: waiting)
        } else {
            connection = try await PostgresJournalConnection.open(address, durability: durability, lease: .take, logger: logger)
        }
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        do {
            let boxed = UncheckedBox(connection)
            let info = try await pool.runIfActive { try boxed.value.start(expecting: nil, acceptingLoss: acceptingLoss) }
            return (JournalFile(path: address.description, pool: pool, connection: connection, lockDescriptor: nil, epoch: info.epoch), info)
        } catch {
            await connection.close()
            try? await pool.shutdownGracefully()
            throw error
        }
    }

    /// A standby's wait for the lease. It outlasts the database: a connection that cannot be
    /// made, or that ends while the standby waits, is made again a second later, so that a
    /// standby started before PostgreSQL, or through a restart of it, is still there to take over.
    private static func waitForLease(
        _ address: PostgresJournalAddress, durability: Durability, logger: Logger, waiting: @escaping @Sendable (_ holder: String) -> Void
    ) async throws -> PostgresJournalConnection {
        while true {
            let error: JournalError
            switch await leaseOnce(address, durability: durability, logger: logger, waiting: waiting) {
            case .success(let connection): return connection.value
            case .failure(let failure): error = failure
            }
            // A journal it must not serve, or a stop, ends the wait; anything else is the database's.
            guard !Task.isCancelled, !error.isNotAJournal, !error.isNewerSchema, !error.isDamaged else { throw error }
            logger.warning("standby: cannot reach the journal's database; trying again in a second", metadata: ["error": "\(error)"])
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// One connection that waits for the lease, or why it ended.
    private static func leaseOnce(
        _ address: PostgresJournalAddress, durability: Durability, logger: Logger, waiting: @escaping @Sendable (_ holder: String) -> Void
    ) async -> Result<UncheckedBox<PostgresJournalConnection>, JournalError> {
        do {
            return .success(UncheckedBox(try await PostgresJournalConnection.open(
                address, durability: durability, lease: .wait(interval: .milliseconds(250), waiting: waiting), logger: logger
            )))
        } catch {
            return .failure(error)
        }
    }

    /// Opens the journal for a store on an `EmbeddedEventLoop` (the tests' harness), which no
    /// other thread may touch: its jobs run at once on the caller's thread.
    package static func openInline(path: String, durability: Durability) throws -> (JournalFile, StartInfo) {
        let (lockDescriptor, connection, info) = try openLocked(path: path, durability: durability, maxPageCount: nil, acceptingLoss: false)
        return (JournalFile(path: path, pool: nil, connection: connection, lockDescriptor: lockDescriptor, epoch: info.epoch), info)
    }

    /// Runs `body` with the connection on the journal's thread; the result arrives on `eventLoop`.
    func run<Result: Sendable>(on eventLoop: any EventLoop, _ body: @escaping @Sendable (any JournalConnection) throws -> Result) -> EventLoopFuture<Result> {
        guard let pool else { return eventLoop.makeCompletedFuture { try body(self.connection) } }
        let connection = UncheckedBox(connection)
        return pool.runIfActive(eventLoop: eventLoop) { try body(connection.value) }
    }

    /// Commits on the calling thread: only while no job runs on the journal's thread.
    /// - Returns: The WAL's length in pages after the commit.
    func commitOnLoop(_ records: [JournalRecord]) throws -> Int {
        try connection.commit(records)
    }

    /// Runs `body` with the connection on the journal's thread.
    func run<Result: Sendable>(_ body: @escaping @Sendable (any JournalConnection) throws -> Result) async throws -> Result {
        guard let pool else { return try body(self.connection) }
        let connection = UncheckedBox(connection)
        return try await pool.runIfActive { try body(connection.value) }
    }

    /// Closes a file opened with ``openInline(path:durability:)``, marking the stop clean (after
    /// a final checkpoint) or leaving it as a crash would.
    package func closeInline(clean: Bool) throws {
        precondition(pool == nil, "closeInline is for a file opened with openInline")
        if clean { try connection.markClean() }
        if let lockDescriptor { Glibc.close(lockDescriptor) }
    }

    /// Marks the stop clean (after a final checkpoint) and closes the file.
    package func close(clean: Bool) async {
        if clean { _ = try? await run { try $0.markClean() } }
        try? await pool?.shutdownGracefully()
        if let lockDescriptor { Glibc.close(lockDescriptor) }
        // Ends the PostgreSQL session, which releases the lease for a standby at once.
        await (connection as? PostgresJournalConnection)?.close()
    }
}

/// Carries a value to another thread where the receiver alone uses it from then on.
struct UncheckedBox<Wrapped>: @unchecked Sendable {
    let value: Wrapped
    init(_ value: Wrapped) { self.value = value }
}
