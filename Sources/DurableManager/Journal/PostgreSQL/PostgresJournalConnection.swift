import DurableWire
import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization

/// The journal's statements over one PostgreSQL connection, in the schema its address names.
///
/// A manager's connection holds the journal's lease: a session-level advisory lock, which
/// PostgreSQL releases the moment the connection ends (the manager stopped, died, or lost the
/// network), so that a standby's `pg_try_advisory_lock` succeeds and it takes over. Every write
/// is also fenced by the journal's epoch in its own transaction (`fence` in
/// `migrations/postgresql`): a takeover raises the epoch before it reads anything, so a manager
/// that was replaced can write nothing more, even if its connection came back.
///
/// Used on the journal's thread only (``JournalFile``): each method blocks that thread, never an
/// event loop, while PostgresNIO runs the queries on its own loop.
final class PostgresJournalConnection: JournalConnection {
    /// How a connection treats the journal's lease.
    enum Lease {
        /// A reader: no lease, read-only transactions.
        case none
        /// Take it, or fail naming the manager that holds it.
        case take
        /// Wait for it (a standby), polling every `interval`; `waiting` runs once if it is held.
        case wait(interval: Duration, waiting: @Sendable (_ holder: String) -> Void)
    }

    let address: PostgresJournalAddress
    private let connection: PostgresConnection
    private let logger: Logger
    /// The epoch this manager writes as, once ``start(expecting:acceptingLoss:)`` raised it.
    private var epoch: Int64 = 0
    private var version = PostgresSchema.latestVersion

    var place: String { address.description }
    /// A commit is a round trip to a server: never on the manager's loop.
    var commitsOnLoop: Bool { false }

    /// The two keys of the lease's advisory lock: the journal's application id, and the schema's hash.
    private static let leaseClass = Int32(PostgresSchema.applicationID)

    /// The statement waited for now, which the connection's close ends.
    private let pending = PendingStatement()
    /// The connection's event loop, where its statements' tasks run.
    private let executor: ConnectionExecutor

    private init(address: PostgresJournalAddress, connection: PostgresConnection, logger: Logger) {
        self.address = address
        self.connection = connection
        self.logger = logger
        executor = ConnectionExecutor(loop: connection.eventLoop)
        connection.closeFuture.whenComplete { [pending] _ in pending.connectionClosed() }
    }

    /// A reader is dropped without a word (``JournalReader`` has no close): the session ends here,
    /// waited for, since PostgresNIO requires a connection closed before it goes.
    deinit {
        guard !connection.isClosed else { return }
        let done = DispatchSemaphore(value: 0)
        connection.close().whenComplete { _ in done.signal() }
        done.wait()
    }

    /// Fires when the connection ends for any reason; for a manager, that is the end of its lease.
    var closed: EventLoopFuture<Void> { connection.closeFuture }

    // MARK: Connecting

    /// Connects to the journal's database, sets the session up for `durability` (nil: a
    /// reader), and takes the lease as `lease` says.
    /// - Throws: ``JournalError``: `cannotOpen` when the server cannot be reached or refuses the
    ///   login, `inUse` naming the holder when the lease is taken and `lease` is `.take`.
    static func open(
        _ address: PostgresJournalAddress, durability: Durability?, lease: Lease, logger: Logger,
        on loop: any EventLoop = PostgresConnection.defaultEventLoopGroup.any()
    ) async throws(JournalError) -> PostgresJournalConnection {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: loop, configuration: try configuration(for: address), id: Int.random(in: 1...Int(Int32.max)), logger: logger
            )
        } catch let error as JournalError {
            throw error
        } catch {
            throw .cannotOpen(address.description, describe(error))
        }
        let journal = PostgresJournalConnection(address: address, connection: connection, logger: logger)
        do {
            // The schema name was checked to be a plain identifier: it cannot carry SQL.
            try await journal.execute("SET search_path TO \(address.quotedSchema)")
            if let durability {
                // full: a commit returns once its WAL is flushed (and, with synchronous standbys
                // configured on the server, once they have it), so nothing acknowledged is lost when
                // the database host loses power. normal and relaxed: the server flushes its WAL
                // within a few hundred ms; a manager killed loses nothing it acknowledged, a
                // database host that loses power the last moments.
                try await journal.execute("SET synchronous_commit = \(durability == .full ? "on" : "off")")
            } else {
                try await journal.execute("SET default_transaction_read_only = on")
            }
            switch lease {
            case .none:
                try await journal.checkIsJournal()
            case .take:
                guard try await journal.tryLease() else {
                    throw JournalError.inUse(
                        address.description,
                        "another manager holds its lease (\(try await journal.leaseHolder())); stop it first, or start this one with --standby to take over when it stops"
                    )
                }
            case .wait(let interval, let waiting):
                var announced = false
                while try await !journal.tryLease() {
                    if !announced {
                        waiting(try await journal.leaseHolder())
                        announced = true
                    }
                    try await Task.sleep(for: interval)
                }
            }
            return journal
        } catch {
            try? await connection.close()
            if let error = error as? JournalError { throw error }
            if error is CancellationError { throw .cannotOpen(address.description, "the wait for the lease was cancelled") }
            throw .cannotOpen(address.description, describe(error))
        }
    }

    private static func configuration(for address: PostgresJournalAddress) throws(JournalError) -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        switch address.server {
        case .socketFolder(let folder):
            configuration = .init(
                unixSocketPath: "\(folder)/.s.PGSQL.\(address.port)", username: address.user, password: address.password, database: address.database
            )
        case .host(let host):
            let tls: PostgresConnection.Configuration.TLS
            do {
                switch address.sslMode {
                case "disable", "allow":
                    tls = .disable
                case "prefer", "require":
                    // libpq's require encrypts without checking the server's certificate.
                    var settings = TLSConfiguration.makeClientConfiguration()
                    settings.certificateVerification = .none
                    let context = try NIOSSLContext(configuration: settings)
                    tls = address.sslMode == "prefer" ? .prefer(context) : .require(context)
                default:
                    var settings = TLSConfiguration.makeClientConfiguration()
                    settings.certificateVerification = address.sslMode == "verify-ca" ? .noHostnameVerification : .fullVerification
                    tls = .require(try NIOSSLContext(configuration: settings))
                }
            } catch {
                throw .cannotOpen(address.description, "cannot set up TLS for sslmode \(address.sslMode): \(error)")
            }
            configuration = .init(
                host: host, port: address.port, username: address.user, password: address.password, database: address.database, tls: tls
            )
        }
        // The manager's pid in pg_stat_activity: how an operator, and a refused start, tell
        // which manager holds the lease.
        configuration.options.additionalStartupParameters = [
            ("application_name", "durablemanager pid \(getpid())"),
            // The server's side of a manager host that vanished (no FIN, no RST): the session, and
            // with it the lease, ends within about half a minute, not after TCP's two hours, so a
            // standby takes over. (Unix sockets ignore them.)
            ("tcp_keepalives_idle", "10"), ("tcp_keepalives_interval", "5"), ("tcp_keepalives_count", "3"),
            ("tcp_user_timeout", "30000"),
        ]
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    private func tryLease() async throws -> Bool {
        // A statement written after the connection closed is never answered (see ``blocking``):
        // a standby whose session ended must learn it here, or wait for ever.
        guard !connection.isClosed else { throw ConnectionEnded() }
        let rows = try await connection.query(
            "SELECT pg_try_advisory_lock(\(Self.leaseClass), hashtext(\(address.schema)))", logger: logger
        )
        // Every stream is read to its end (see ``run(_:logger:)``).
        var locked = false
        for try await value in rows.decode(Bool.self) { locked = value }
        return locked
    }

    /// The session that holds the lease, as pg_stat_activity shows it; nil when none does.
    private func leaseHolderSession() async throws -> (pid: Int32, application: String, client: String)? {
        guard !connection.isClosed else { throw ConnectionEnded() }
        let rows = try await connection.query("""
            SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'a Unix socket')
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid = \(Int64(Self.leaseClass))::oid
              AND l.objid = (hashtext(\(address.schema))::bigint & 4294967295)::oid
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, logger: logger)
        var holder: (pid: Int32, application: String, client: String)?
        for try await row in rows.decode((Int32, String, String).self) { holder = row }
        return holder
    }

    /// Who holds the lease, in words.
    private func leaseHolder() async throws -> String {
        guard let holder = try await leaseHolderSession() else { return "a manager that just stopped" }
        return "\(holder.application.isEmpty ? "a client" : holder.application), PostgreSQL backend \(holder.pid), from \(holder.client)"
    }

    /// The pid of the manager that holds the lease, read off its `application_name`: -1 for a
    /// holder that is not a manager this build started; nil when nobody holds it.
    func leaseHolderPID() -> Int32? {
        guard let holder = try? blocking(writing: false, { journal in try await journal.leaseHolderSession().map { UncheckedBox($0) } })?.value
        else { return nil }
        let prefix = "durablemanager pid "
        return holder.application.hasPrefix(prefix) ? Int32(holder.application.dropFirst(prefix.count)) ?? -1 : -1
    }

    /// Ends the connection, and with it the lease.
    func close() async {
        try? await connection.close()
    }

    // MARK: Running statements

    /// Runs `body` and waits for it on the calling thread (the journal's, never a loop), with
    /// PostgreSQL's errors turned into ``JournalError``s that name the journal.
    private func blocking<Result: Sendable>(
        writing: Bool, _ body: @escaping @Sendable (PostgresJournalConnection) async throws -> Result
    ) throws(JournalError) -> Result {
        let connection = UncheckedBox(self)
        switch Self.waitFor(on: executor, pending: pending, closed: { connection.value.connection.isClosed }, { try await body(connection.value) }) {
        case .success(let result):
            return result
        case .failure(let error as JournalError):
            throw error
        case .failure(let error):
            throw journalError(error, writing: writing)
        }
    }

    /// The statement the journal's thread waits for, which the connection's end ends too:
    /// PostgresNIO never answers a statement written after its connection closed. One callback
    /// on the close for the whole connection, not one per statement.
    final class PendingStatement: Sendable {
        private let end = Mutex<(@Sendable () -> Void)?>(nil)

        func started(_ end: @escaping @Sendable () -> Void) { self.end.withLock { $0 = end } }
        func finished() { end.withLock { $0 = nil } }
        func connectionClosed() { end.withLock { $0 }?() }
    }

    /// Runs `body` as a task on `executor` (the connection's event loop) and blocks the calling
    /// thread until it ends: for the journal's thread, and for a reader's caller, which the
    /// synchronous ``JournalReader`` API blocks anyway. The task never needs a thread of Swift's
    /// shared pool, so a caller that blocks one of those (durablectl, the dashboard) cannot
    /// starve it, even on a machine where that pool has one thread.
    /// - Parameters:
    ///   - pending: Where the connection's close finds this wait to end it.
    ///   - closed: Whether the connection is closed already, when the wait starts.
    static func waitFor<Result: Sendable>(
        on executor: ConnectionExecutor, pending: PendingStatement? = nil, closed: () -> Bool = { false },
        _ body: @escaping @Sendable () async throws -> Result
    ) -> Swift.Result<Result, any Error> {
        let outcome = Mutex<Swift.Result<Result, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let finish = { @Sendable (result: Swift.Result<Result, any Error>) in
            let first = outcome.withLock { outcome in
                guard case .none = outcome else { return false }
                outcome = result
                return true
            }
            if first { done.signal() }
        }
        pending?.started { finish(.failure(ConnectionEnded())) }
        defer { pending?.finished() }
        if closed() {
            finish(.failure(ConnectionEnded()))
        } else {
            Task(executorPreference: executor) {
                do {
                    finish(.success(try await body()))
                } catch {
                    finish(.failure(error))
                }
            }
        }
        done.wait()
        return outcome.withLock { $0 }!
    }

    /// Connects a reader: no lease, read-only, waiting on the calling thread.
    static func openReader(_ address: PostgresJournalAddress) throws(JournalError) -> PostgresJournalConnection {
        let logger = Logger(label: "durablemanager.journal.reader", factory: { _ in SwiftLogNoOpLogHandler() })
        let loop = PostgresConnection.defaultEventLoopGroup.any()
        switch waitFor(on: ConnectionExecutor(loop: loop), { UncheckedBox(try await open(address, durability: nil, lease: .none, logger: logger, on: loop)) }) {
        case .success(let connection): return connection.value
        case .failure(let error as JournalError): throw error
        case .failure(let error): throw .cannotOpen(address.description, describe(error))
        }
    }

    /// A PostgreSQL error as the journal reports it: a full disk as `full`, a replaced manager,
    /// a lost connection and everything else as a failed write (or read).
    private func journalError(_ error: any Error, writing: Bool) -> JournalError {
        let detail = Self.describe(error)
        // A write whose connection ended before its answer may have been committed.
        if writing, Self.isConnectionLoss(error) { return .outcomeUnknown(place, detail) }
        if let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] {
            // Fenced off: another manager took over. Ending the session ends the lease too, which
            // stops this manager as a lost connection does (``ManagerServer``).
            if state == "DM001" { let _: EventLoopFuture<Void> = connection.close() }
            // Class 53: insufficient resources (53100 disk full, 53200 out of memory...).
            if state.hasPrefix("53") { return .full(place, detail) }
        }
        return writing ? .writeFailed(place, detail) : .cannotOpen(place, detail)
    }

    /// The connection closed while a statement waited for its answer.
    private struct ConnectionEnded: Error {}

    /// Whether `error` is the connection ending, rather than the server's answer.
    private static func isConnectionLoss(_ error: any Error) -> Bool {
        if error is ConnectionEnded { return true }
        guard let error = error as? PSQLError, error.serverInfo == nil else { return false }
        return [.serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .connectionError].contains(error.code)
    }

    /// What went wrong, in words: the server's message and SQLSTATE, or what happened to the connection.
    static func describe(_ error: any Error) -> String {
        if error is ConnectionEnded {
            return "the connection to PostgreSQL is gone; this manager's lease on the journal ended with it"
        }
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            if error.serverInfo?[.sqlState] == "DM001" {
                return "\(message); this manager can write nothing more: stop it, and start it again with --standby"
            }
            return message + state
        }
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return "the connection to PostgreSQL is gone (\(error.code)); this manager's lease on the journal ended with it"
        case .connectionError:
            return "cannot connect to PostgreSQL: \(error.underlying.map { "\($0)" } ?? "\(error.code)")"
        default:
            return "\(error.code)\(error.underlying.map { ": \($0)" } ?? "")"
        }
    }

    private func execute(_ sql: String) async throws {
        try await run(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// Runs `query` to its end. PostgreSQL reports an error raised while a statement runs (a
    /// fence, a trigger, a full disk) in the rows' stream, after the query call returned: a
    /// statement whose stream is not read to its end can fail without anyone knowing.
    private func run(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await connection.query(query, logger: logger) {}
    }


    /// Runs `body` in a transaction, rolled back if it throws.
    private func transaction(_ body: () async throws -> Void) async throws {
        try await execute("BEGIN")
        do {
            try await body()
            try await execute("COMMIT")
        } catch {
            try? await execute("ROLLBACK")
            throw error
        }
    }

    private func fence() async throws {
        try await run("SELECT fence(\(epoch))", logger: logger)
    }

    private func integer(_ query: PostgresQuery) async throws -> Int64? {
        let rows = try await connection.query(query, logger: logger)
        var found: Int64?
        for try await value in rows.decode(Int64?.self) { found = value }
        return found
    }

    private func state(_ key: String) async throws -> Int64? {
        try await integer("SELECT value FROM manager_state WHERE key = \(key)")
    }

    private func setState(_ values: [(String, Int64)]) async throws {
        try await run("""
            INSERT INTO manager_state (key, value) SELECT * FROM unnest(\(values.map(\.0))::text[], \(values.map(\.1))::bigint[])
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """, logger: logger)
    }

    /// `value` in the binary value encoding, refused when it nests deeper than a journal is read.
    private func encoded(_ value: Value) throws(JournalError) -> ByteBuffer {
        guard !value.nests(deeperThan: ValueNesting.stored) else {
            throw .writeFailed(place, "a value nests \(value.nesting) levels, deeper than a journal is read (\(ValueNesting.stored))")
        }
        var buffer = ByteBuffer()
        buffer.writeValue(value)
        return buffer
    }

    /// The value `bytes` holds, or `damaged` naming `where`.
    private func decoded(_ bytes: ByteBuffer, _ place: @autoclosure () -> String) throws(JournalError) -> Value {
        var bytes = bytes
        guard bytes.readableBytes > 0 else { throw .damaged(self.place, "\(place()): an empty value") }
        do {
            return try bytes.readValue(maxDepth: ValueNesting.stored)
        } catch {
            throw .damaged(self.place, "\(place()): \(error)")
        }
    }

    // MARK: Starting

    func start(expecting expected: CommitMark?, acceptingLoss: Bool) throws(JournalError) -> JournalFile.StartInfo {
        try blocking(writing: true) { journal in try await journal.startRun() }
    }

    /// Creates or migrates the schema, raises the epoch (the fence: from now on the manager this
    /// one replaces can write nothing), then reads what the start needs, so that it sees every
    /// write the replaced manager made.
    private func startRun() async throws -> JournalFile.StartInfo {
        try await migrate()
        var clean = true
        try await transaction {
            clean = try await state("clean_shutdown") ?? 1 == 1
            epoch = try await integer("UPDATE manager_state SET value = value + 1 WHERE key = 'epoch' RETURNING value") ?? 1
        }
        let checkpointSeq = try await state("checkpoint_seq") ?? 0
        let bounds = try await connection.query("SELECT min(seq), max(seq) FROM journal", logger: logger)
        var first: Int64?, last: Int64?
        for try await (low, high) in bounds.decode((Int64?, Int64?).self) { (first, last) = (low, high) }
        // Rows carry no checksum here: numbers a hand or damage put out of range are refused
        // before anything counts from them (a seq at the top of the range would overflow the next).
        let limit = Int64.max / 2
        guard epoch > 0, epoch < limit, (0..<limit).contains(checkpointSeq), (first ?? 1) >= 1, (last ?? 0) < limit else {
            throw JournalError.damaged(
                place, "manager_state or journal holds numbers out of range (epoch \(epoch), checkpoint_seq \(checkpointSeq), records \(first.map(String.init) ?? "-") to \(last.map(String.init) ?? "-"))"
            )
        }
        return JournalFile.StartInfo(
            epoch: UInt64(epoch), checkpointSeq: UInt64(checkpointSeq), lastSeq: UInt64(max(checkpointSeq, last ?? 0)),
            cleanShutdown: clean, records: first.map { Int(last! - $0 + 1) } ?? 0, schemaVersion: version
        )
    }

    /// Refuses a schema of another application or of a newer version, then applies what is missing.
    private func migrate() async throws {
        // CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the schema exists: a
        // role that owns its schema and no more starts all the same.
        var exists = false
        for try await _ in try await connection.query("SELECT 1 FROM pg_namespace WHERE nspname = \(address.schema)", logger: logger) { exists = true }
        if !exists { try await execute("CREATE SCHEMA IF NOT EXISTS \(address.quotedSchema)") }
        let tables = Set(try await tableNames())
        if !tables.isEmpty {
            guard tables.contains("schema_migrations"), tables.contains("manager_state"),
                  try await state("application_id") == PostgresSchema.applicationID
            else {
                throw JournalError.notAJournal(place, "schema \(address.schema) holds tables of another application (\(tables.sorted().prefix(5).joined(separator: ", ")))")
            }
        }
        let current = tables.isEmpty ? 0 : Int(try await integer("SELECT coalesce(max(version), 0)::bigint FROM schema_migrations") ?? 0)
        guard current <= PostgresSchema.latestVersion else {
            throw JournalError.newerSchema(place, found: current, supported: PostgresSchema.latestVersion)
        }
        for migration in PostgresSchema.migrations where migration.version > current {
            try await transaction {
                // In the first migration's transaction: a start that fails leaves the schema empty.
                try await execute("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, file text NOT NULL, applied_at double precision NOT NULL)")
                // PostgreSQL's extended protocol, all PostgresNIO speaks, takes one statement at a time.
                for statement in PostgresSchema.statements(of: migration.sql) { try await execute(statement) }
                try await run("""
                    INSERT INTO schema_migrations (version, file, applied_at)
                    VALUES (\(migration.version), \(migration.file), extract(epoch FROM now()))
                    """, logger: logger)
            }
        }
        version = max(current, PostgresSchema.latestVersion)
    }

    /// Refuses, for a reader, a schema that holds no journal or another application's tables.
    private func checkIsJournal() async throws {
        let tables = Set(try await tableNames())
        guard !tables.isEmpty else {
            throw JournalError.notAJournal(place, "schema \(address.schema) of database \(address.database) holds no tables; is the schema right (--pg-schema)?")
        }
        guard tables.contains("schema_migrations"), tables.contains("manager_state"), try await state("application_id") == PostgresSchema.applicationID else {
            throw JournalError.notAJournal(place, "schema \(address.schema) holds tables of another application (\(tables.sorted().prefix(5).joined(separator: ", ")))")
        }
        version = Int(try await integer("SELECT coalesce(max(version), 0)::bigint FROM schema_migrations") ?? 0)
        guard version <= PostgresSchema.latestVersion else {
            throw JournalError.newerSchema(place, found: version, supported: PostgresSchema.latestVersion)
        }
    }

    private func tableNames() async throws -> [String] {
        let rows = try await connection.query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = \(address.schema)", logger: logger
        )
        var names: [String] = []
        for try await name in rows.decode(String.self) { names.append(name) }
        return names
    }

    func beginRun(_ start: ManagerStart, after lastSeq: UInt64) throws(JournalError) -> UInt64 {
        let record = JournalRecord(seq: lastSeq + 1, time: Date().timeIntervalSince1970, object: 0, op: ManagerStart.op, arguments: start.arguments)
        let arguments = try encoded(.array(record.arguments))
        try blocking(writing: true) { journal in
            try await journal.transaction {
                try await journal.fence()
                try await journal.setState([("clean_shutdown", 0)])
                try await journal.append([record], arguments: [arguments], replies: [ByteBuffer()])
            }
        }
        return record.seq
    }

    // MARK: Writing

    @discardableResult
    func commit(_ records: [JournalRecord]) throws(JournalError) -> Int {
        guard !records.isEmpty else { return 0 }
        var arguments: [ByteBuffer] = []
        var replies: [ByteBuffer] = []
        arguments.reserveCapacity(records.count)
        replies.reserveCapacity(records.count)
        for record in records {
            arguments.append(try encoded(.array(record.arguments)))
            replies.append(try record.reply.map { value throws(JournalError) in try encoded(value) } ?? ByteBuffer())
        }
        try blocking(writing: true) { [arguments, replies] journal in
            try await journal.append(records, arguments: arguments, replies: replies)
        }
        return 0
    }

    /// One call of `append_records`: the fence and the records in one statement.
    private func append(_ records: [JournalRecord], arguments: [ByteBuffer], replies: [ByteBuffer]) async throws {
        try await run("""
            SELECT append_records(\(epoch), \(records.map { Int64(bitPattern: $0.seq) }), \(records.map(\.time)),
                \(records.map { Int64(bitPattern: $0.object) }), \(records.map(\.op)), \(arguments),
                \(records.map { $0.session ?? "" }), \(records.map { Int64(bitPattern: $0.request ?? 0) }), \(replies))
            """, logger: logger)
    }

    /// PostgreSQL folds its own WAL in: nothing to do.
    func checkpointWAL() throws(JournalError) {}

    func checkpoint(_ plan: CheckpointPlan) throws(JournalError) {
        let rows = try CheckpointRows(plan, encode: encoded)
        try blocking(writing: true) { journal in
            try await journal.transaction {
                try await journal.fence()
                try await journal.write(rows, plan: plan)
            }
        }
    }

    /// A checkpoint's rows, encoded before the transaction starts.
    private struct CheckpointRows: Sendable {
        var objects: [(id: Int64, type: String, name: String?, state: ByteBuffer)] = []
        var rewritten: [Int64] = []
        var deletes: (objects: [Int64], blocks: [Int64]) = ([], [])
        var writes: (objects: [Int64], blocks: [Int64], data: [ByteBuffer]) = ([], [], [])
        var replies: (sessions: [String], requests: [Int64], replies: [ByteBuffer])?

        init(_ plan: CheckpointPlan, encode: (Value) throws(JournalError) -> ByteBuffer) throws(JournalError) {
            for row in plan.objects {
                let id = Int64(bitPattern: row.id)
                switch row.changes {
                case .whole(let state):
                    objects.append((id, row.typeID, row.name, try encode(state)))
                case .blocks(let changes):
                    objects.append((id, row.typeID, row.name, try encode(changes.state)))
                    if changes.rewrite, !plan.replaceAll { rewritten.append(id) }
                    for block in changes.deletes {
                        deletes.objects.append(id)
                        deletes.blocks.append(block)
                    }
                    for block in changes.writes {
                        writes.objects.append(id)
                        writes.blocks.append(block.number)
                        writes.data.append(try encode(block.data))
                    }
                }
            }
            if let rows = plan.replies {
                var replies: (sessions: [String], requests: [Int64], replies: [ByteBuffer]) = ([], [], [])
                for row in rows {
                    replies.sessions.append(row.session)
                    replies.requests.append(Int64(bitPattern: row.request))
                    replies.replies.append(try row.reply.map { value throws(JournalError) in try encode(value) } ?? ByteBuffer())
                }
                self.replies = replies
            }
        }
    }

    /// Writes a checkpoint's rows; inside its transaction.
    private func write(_ rows: CheckpointRows, plan: CheckpointPlan) async throws {
        // The journal goes first, as on SQLite.
        try await run("DELETE FROM journal WHERE seq <= \(Int64(bitPattern: plan.upTo))", logger: logger)
        if plan.replaceAll {
            try await execute("DELETE FROM blocks")
            try await execute("DELETE FROM objects")
        }
        let dropped = plan.dropped.map { Int64(bitPattern: $0) }
        if !dropped.isEmpty {
            try await run("DELETE FROM blocks WHERE object = ANY(\(dropped)::bigint[])", logger: logger)
            try await run("DELETE FROM objects WHERE id = ANY(\(dropped)::bigint[])", logger: logger)
        }
        // Unnamed rows first, so that a name that moved to a new object is free when it is written.
        for named in [false, true] {
            let objects = rows.objects.filter { ($0.name != nil) == named }
            guard !objects.isEmpty else { continue }
            try await run("""
                INSERT INTO objects (id, type, name, state)
                SELECT id, type, NULLIF(name, ''), state
                FROM unnest(\(objects.map(\.id))::bigint[], \(objects.map(\.type))::text[], \(objects.map { $0.name ?? "" })::text[], \(objects.map(\.state))::bytea[])
                    AS o(id, type, name, state)
                ON CONFLICT (id) DO UPDATE SET type = excluded.type, name = excluded.name, state = excluded.state
                """, logger: logger)
        }
        if !rows.rewritten.isEmpty {
            try await run("DELETE FROM blocks WHERE object = ANY(\(rows.rewritten)::bigint[])", logger: logger)
        }
        if !rows.deletes.objects.isEmpty {
            try await run("""
                DELETE FROM blocks b USING unnest(\(rows.deletes.objects)::bigint[], \(rows.deletes.blocks)::bigint[]) AS d(object, block)
                WHERE b.object = d.object AND b.block = d.block
                """, logger: logger)
        }
        if !rows.writes.objects.isEmpty {
            try await run("""
                INSERT INTO blocks (object, block, data)
                SELECT * FROM unnest(\(rows.writes.objects)::bigint[], \(rows.writes.blocks)::bigint[], \(rows.writes.data)::bytea[])
                ON CONFLICT (object, block) DO UPDATE SET data = excluded.data
                """, logger: logger)
        }
        var state: [(String, Int64)] = [
            ("checkpoint_seq", Int64(bitPattern: plan.upTo)), ("objects_rows", Int64(plan.rows.objects)),
            ("blocks_rows", Int64(plan.rows.blocks)), ("checkpoint_time", Int64(Date().timeIntervalSince1970)),
        ]
        if let replies = rows.replies {
            try await execute("DELETE FROM replies")
            if !replies.sessions.isEmpty {
                try await run("""
                    INSERT INTO replies (session, request, reply)
                    SELECT s, r, NULLIF(p, ''::bytea) FROM unnest(\(replies.sessions)::text[], \(replies.requests)::bigint[], \(replies.replies)::bytea[]) AS x(s, r, p)
                    """, logger: logger)
            }
            state.append(("replies_rows", Int64(replies.sessions.count)))
        }
        try await setState(state)
    }

    func markClean() throws(JournalError) {
        try blocking(writing: true) { journal in
            try await journal.transaction {
                try await journal.fence()
                try await journal.setState([("clean_shutdown", 1)])
            }
        }
    }

    func raiseEpoch(to epoch: UInt64) throws(JournalError) {
        let raised = max(self.epoch, Int64(bitPattern: epoch))
        try blocking(writing: true) { journal in
            try await journal.run("UPDATE manager_state SET value = \(raised) WHERE key = 'epoch'", logger: journal.logger)
        }
        // The fence compares the journal's epoch with this connection's own: they move together.
        self.epoch = raised
    }

    // MARK: Reading

    func reading<Result>(_ body: () throws(JournalError) -> Result) throws(JournalError) -> Result {
        // One snapshot for everything `body` reads: a checkpoint that commits meanwhile is not half seen.
        try blocking(writing: false) { journal in try await journal.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") }
        defer { try? blocking(writing: false) { journal in try await journal.execute("COMMIT") } }
        return try body()
    }

    func facts() throws(JournalError) -> JournalFacts {
        try blocking(writing: false) { journal in
            let bounds = try await journal.connection.query("SELECT count(*), min(seq), max(seq) FROM journal", logger: journal.logger)
            var counts: (Int64, Int64?, Int64?) = (0, nil, nil)
            for try await row in bounds.decode((Int64, Int64?, Int64?).self) { counts = row }
            let version = try await journal.integer("SELECT coalesce(max(version), 0)::bigint FROM schema_migrations") ?? 0
            return JournalFacts(
                schemaVersion: Int(version),
                epoch: UInt64(bitPattern: try await journal.state("epoch") ?? 0),
                cleanShutdown: try await journal.state("clean_shutdown") ?? 1 == 1,
                checkpointSeq: UInt64(bitPattern: try await journal.state("checkpoint_seq") ?? 0),
                lastCheckpointTime: try await journal.state("checkpoint_time").map(Double.init),
                records: Int(counts.0),
                firstSeq: counts.1.map { UInt64(bitPattern: $0) },
                lastSeq: counts.2.map { UInt64(bitPattern: $0) }
            )
        }
    }

    func holdsState() throws(JournalError) -> Bool {
        try blocking(writing: false) { journal in
            guard try await journal.tableNames().contains("objects") else { return false }
            return try await journal.integer(
                "SELECT (SELECT count(*) FROM objects) + (SELECT count(*) FROM journal WHERE object != 0)"
            ) ?? 0 > 0
        }
    }

    /// PostgreSQL checks its own pages; what is left to check here is what the last checkpoint
    /// says the tables hold, which ``loadObjects(only:)`` compares.
    func integrityProblems() -> [String] {
        do {
            _ = try loadObjects(only: nil)
            _ = try loadReplies()
            return []
        } catch {
            return [error.detail]
        }
    }

    func loadObjects(only id: UInt64?) throws(JournalError) -> [JournalFile.StoredObject] {
        let filter = id.map { Int64(bitPattern: $0) }
        let (rows, blocks, counted) = try blocking(writing: false) { journal in
            var objects: [(Int64, String, String?, ByteBuffer)] = []
            let objectRows = try await journal.connection.query(
                "SELECT id, type, name, state FROM objects WHERE \(filter)::bigint IS NULL OR id = \(filter) ORDER BY id", logger: journal.logger
            )
            for try await row in objectRows.decode((Int64, String, String?, ByteBuffer).self) { objects.append(row) }
            var blocks: [(Int64, Int64, ByteBuffer)] = []
            let blockRows = try await journal.connection.query(
                "SELECT object, block, data FROM blocks WHERE \(filter)::bigint IS NULL OR object = \(filter) ORDER BY object, block", logger: journal.logger
            )
            for try await row in blockRows.decode((Int64, Int64, ByteBuffer).self) { blocks.append(row) }
            let counted = (try await journal.state("objects_rows") ?? 0, try await journal.state("blocks_rows") ?? 0)
            return (objects, blocks, counted)
        }
        var objects: [JournalFile.StoredObject] = []
        var next = 0
        for (rawID, typeID, name, bytes) in rows {
            let objectID = UInt64(bitPattern: rawID)
            let state = try decoded(bytes, "the state of #\(objectID) (\(typeID)) in objects")
            if next < blocks.count, blocks[next].0 < rawID {
                throw .damaged(place, "block \(blocks[next].1) of #\(UInt64(bitPattern: blocks[next].0)) in blocks belongs to no object")
            }
            var reader = BlockReader(object: objectID, typeID: typeID, path: place)
            while next < blocks.count, blocks[next].0 == rawID {
                let place = "block \(blocks[next].1) of \(typeID) #\(objectID) in blocks"
                try reader.read(blocks[next].1, try decoded(blocks[next].2, place), place: place)
                next += 1
            }
            objects.append(.init(id: objectID, typeID: typeID, name: name, state: try reader.restoredState(state)))
        }
        if next < blocks.count {
            throw .damaged(place, "block \(blocks[next].1) of #\(UInt64(bitPattern: blocks[next].0)) in blocks belongs to no object")
        }
        if id == nil {
            guard objects.count == counted.0 else {
                throw .damaged(place, "objects holds \(objects.count) rows, but the last checkpoint wrote \(counted.0)")
            }
            guard blocks.count == counted.1 else {
                throw .damaged(place, "blocks holds \(blocks.count) rows, but the last checkpoint wrote \(counted.1)")
            }
        }
        return objects
    }

    func loadReplies() throws(JournalError) -> [ReplyMemory.Row] {
        let (rows, counted) = try blocking(writing: false) { journal in
            var rows: [(String, Int64, ByteBuffer?)] = []
            let result = try await journal.connection.query("SELECT session, request, reply FROM replies", logger: journal.logger)
            for try await row in result.decode((String, Int64, ByteBuffer?).self) { rows.append(row) }
            return (rows, try await journal.state("replies_rows") ?? 0)
        }
        guard rows.count == counted else {
            throw .damaged(place, "replies holds \(rows.count) rows, but the last checkpoint wrote \(counted)")
        }
        var replies: [ReplyMemory.Row] = []
        for (session, request, reply) in rows {
            let value = try reply.map { bytes throws(JournalError) in try decoded(bytes, "the remembered reply of request \(request) in replies") }
            replies.append(ReplyMemory.Row(session: session, request: UInt64(bitPattern: request), reply: value))
        }
        return replies
    }

    func seq(beforeLast count: Int, after seq: UInt64, object: UInt64?) throws(JournalError) -> UInt64 {
        let filter = object.map { Int64(bitPattern: $0) }
        let found = try blocking(writing: false) { journal in
            try await journal.integer("""
                SELECT seq FROM journal WHERE seq > \(Int64(bitPattern: seq)) AND (\(filter)::bigint IS NULL OR object = \(filter))
                ORDER BY seq DESC LIMIT 1 OFFSET \(Int64(count))
                """)
        }
        return found.map { UInt64(bitPattern: $0) } ?? seq
    }

    func records(after seq: UInt64, limit: Int, object: UInt64?) throws(JournalError) -> [JournalRecord] {
        let filter = object.map { Int64(bitPattern: $0) }
        return try records("""
            SELECT seq, time, object, op, args, session, request, reply FROM journal
            WHERE seq > \(Int64(bitPattern: seq)) AND (\(filter)::bigint IS NULL OR object = \(filter))
            ORDER BY seq LIMIT \(Int64(min(limit, Int(Int64.max))))
            """)
    }

    func lifecycleRecords() throws(JournalError) -> [JournalRecord] {
        try records(PostgresQuery(unsafeSQL: "SELECT seq, time, object, op, args, session, request, reply FROM journal WHERE op IN \(StoreOp.lifecycleSQL) ORDER BY seq"))
    }

    private typealias RecordRow = (Int64, Double, Int64, String, ByteBuffer, String?, Int64?, ByteBuffer?)

    private func records(_ query: PostgresQuery) throws(JournalError) -> [JournalRecord] {
        let rows = try blocking(writing: false) { journal in
            var rows: [RecordRow] = []
            let result = try await journal.connection.query(query, logger: journal.logger)
            for try await row in result.decode(RecordRow.self) { rows.append(row) }
            return UncheckedBox(rows)
        }.value
        var records: [JournalRecord] = []
        records.reserveCapacity(rows.count)
        for (seq, time, object, op, arguments, session, request, reply) in rows {
            guard case .array(let arguments) = try decoded(arguments, "the arguments of record \(seq) in journal") else {
                throw .damaged(place, "record \(seq) has no argument list")
            }
            let reply = try reply.map { bytes throws(JournalError) in try decoded(bytes, "the reply of record \(seq) in journal") }
            records.append(JournalRecord(
                seq: UInt64(bitPattern: seq), time: time, object: UInt64(bitPattern: object), op: op, arguments: arguments,
                session: session, request: request.map { UInt64(bitPattern: $0) }, reply: reply
            ))
        }
        return records
    }

    func objectNames() throws(JournalError) -> [(id: UInt64, typeID: String, name: String?)] {
        let rows = try blocking(writing: false) { journal in
            var rows: [(Int64, String, String?)] = []
            let result = try await journal.connection.query("SELECT id, type, name FROM objects ORDER BY id", logger: journal.logger)
            for try await row in result.decode((Int64, String, String?).self) { rows.append(row) }
            return UncheckedBox(rows)
        }.value
        return rows.map { (UInt64(bitPattern: $0.0), $0.1, $0.2) }
    }
}
