public import DurableWire
public import Logging
import Synchronization

/// A client of a manager: opens and creates shared objects and hands out typed proxies.
///
/// Start a private manager process, as Python's `SyncManager().start()` does, or connect to a
/// running one:
///
/// ```swift
/// try await withManager { manager in
///     let status: DictProxy<String, String> = try await manager.dict("status")
///     let jobs: QueueProxy<Job> = try await manager.queue("jobs")
///     try await jobs.put(Job(id: 1))
///     try await status.set("job-1", "queued")
/// }
///
/// let shared = try await SyncManager.connect(to: .unixDomainSocket(path: "/run/jobs.sock"), authkey: key)
/// ```
///
/// Every factory method takes an optional name: with a name it opens the object of that name,
/// creating it if it does not exist (a `TypeMismatch` error if it exists with another type);
/// without one it creates a new anonymous object that lives while a proxy refers to it.
public final class SyncManager: Sendable {
    /// How ``start(_:)`` runs the manager process.
    public struct StartOptions: Sendable {
        /// Where the manager listens; a Unix socket in a private temporary folder by default.
        public var address: ManagerAddress?
        /// The manager executable to run: `durablectl`, found beside this program or on the
        /// PATH by default, or a custom manager's (one built on `CustomManager`), which takes the
        /// same `serve` arguments.
        public var executable: String?
        /// The journal file; by default a new one in the private folder, deleted when the
        /// manager stops. Give one to keep durable objects from one start to the next.
        public var journal: String?
        /// The manager's log level (its log goes to this process's stderr).
        public var logLevel = "warning"
        /// More `durablectl serve` arguments.
        public var extraArguments: [String] = []
        /// Where the connection logs its drops and reconnections (``ConnectionEvent``); silent by default.
        public var logger = Logger(label: "durablemanager.client", factory: { _ in SwiftLogNoOpLogHandler() })

        public init() {}
    }

    /// The connection every proxy of this manager uses.
    public let connection: ManagerConnection

    /// The connection's own thread as a task executor. Calls made by a task that prefers it
    /// cross no threads: the request is written by the calling thread and the reply resumes the
    /// caller where it arrives, which is what makes a loop of calls cheap.
    ///
    /// ```swift
    /// let results: DictProxy<Int, String> = try await manager.dict("results")
    /// try await withTaskExecutorPreference(manager.executor) {
    ///     for job in 0..<10_000 { try await results.set(job, "done") }
    /// }
    /// ```
    ///
    /// Child tasks inherit the preference. Do not block the thread inside (a synchronous read,
    /// a long computation): the connection's I/O waits while it is blocked.
    public var executor: ConnectionExecutor { connection.executor }
    private let process: ManagerProcess?
    private let isShutDown = Mutex(false)

    private init(connection: ManagerConnection, process: ManagerProcess?) {
        self.connection = connection
        self.process = process
    }

    /// Spawns a manager process and connects to it; Python's `manager.start()`.
    /// - Throws: ``ManagerError`` when the manager cannot be started or reached.
    public static func start(_ options: StartOptions = StartOptions()) async throws -> SyncManager {
        let authkey = Authkey.random()
        let process = try await ManagerProcess.spawn(options, authkey: authkey)
        do {
            let connection = try await ManagerConnection.connect(to: process.address, authkey: authkey, logger: options.logger)
            return SyncManager(connection: connection, process: process)
        } catch {
            process.closeStdin()
            await process.waitForExit(grace: .seconds(5))
            throw error
        }
    }

    /// Connects to a running manager: by default the one `durablectl serve` runs in the
    /// default ``StateFolder``, with the authkey it keeps there, as every `durablectl` command does.
    ///
    /// ```swift
    /// import Proxies
    ///
    /// // The manager `durablectl serve` runs, found as durablectl finds it:
    /// let local = try await SyncManager.connect()
    ///
    /// // A manager on another host that serves TLS (`durablectl serve --tls-cert ... --tls-key ...`):
    /// let remote = try await SyncManager.connect(
    ///     to: .hostname("jobs.example.com", port: 50000),
    ///     authkey: try Authkey(contentsOf: "/etc/jobs/authkey"),
    ///     tls: .init(trustRootsPath: "/etc/jobs/ca.pem")
    /// )
    /// ```
    /// - Parameters:
    ///   - address: Where the manager listens.
    ///   - authkey: The manager's authkey; nil reads the state folder's `authkey` file.
    ///   - logger: Where drops and reconnections are logged (``ConnectionEvent``); silent by default.
    ///   - tls: TLS for a TCP address the manager serves it on: the manager's certificate must
    ///     be signed by the CA given and name the host; reconnects use it too. Nil speaks in
    ///     clear.
    ///   - reconnectWindow: How long a call waits for the manager to come back when the
    ///     connection drops (a restart of the manager); proxies keep working once it is back.
    ///     Zero makes every call after a drop fail at once with `.connectionLost`.
    /// - Throws: ``ManagerError`` `.authenticationFailed` for a wrong key, `.tlsFailure` when
    ///   the TLS handshake fails (the message says which certificate was refused),
    ///   `.connectionLost` when nothing listens at `address`.
    public static func connect(
        to address: ManagerAddress = StateFolder.default.socketAddress,
        authkey: Authkey? = nil,
        tls: ManagerConnection.TLS? = nil,
        reconnectWindow: Duration = .seconds(30),
        logger: Logger = Logger(label: "durablemanager.client", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws(ManagerError) -> SyncManager {
        try await connect(to: [address], authkey: authkey, tls: tls, reconnectWindow: reconnectWindow, logger: logger)
    }

    /// Connects to the first of `addresses` whose manager serves, and fails over between them:
    /// a primary manager and its standbys (`durablectl serve --standby` on the same journal).
    ///
    /// The addresses are tried in turn, round and round, for up to `reconnectWindow`; one that
    /// refuses, does not answer, or whose manager is a standby is skipped. When the manager in
    /// use is lost (killed, its host down) or deposed (it answers `Standby`), the connection
    /// goes round them again under the same session and sends the calls that were in flight
    /// again with their request ids, so proxies keep working and nothing is applied twice.
    ///
    /// ```swift
    /// import Proxies
    ///
    /// let manager = try await SyncManager.connect(
    ///     to: [.hostname("jobs-a.example.com", port: 50000), .hostname("jobs-b.example.com", port: 50000)],
    ///     authkey: try Authkey(contentsOf: "/etc/jobs/authkey")
    /// )
    /// let done: DictProxy<String, Int> = try await manager.dict("done")
    /// try await done.set("job-1", 1)   // survives a failover from A to B
    /// print("served by \(manager.address)")
    /// ```
    /// - Parameters:
    ///   - addresses: Where the managers listen, in the order to try them; with one, this is
    ///     ``connect(to:authkey:tls:reconnectWindow:logger:)`` with that address.
    ///   - authkey: The managers' authkey; nil reads the state folder's `authkey` file.
    ///   - tls: TLS for TCP addresses the managers serve it on; each certificate must name
    ///     its address's host.
    ///   - reconnectWindow: How long to go round the addresses, at this first connect and
    ///     whenever the manager in use is lost.
    ///   - logger: Where drops and failovers are logged (``ConnectionEvent``); silent by default.
    /// - Throws: ``ManagerError`` `.connectionLost` naming every address and why it failed when
    ///   none served within `reconnectWindow`; `.authenticationFailed` or `.tlsFailure` when
    ///   every address refused the key or the certificate.
    public static func connect(
        to addresses: [ManagerAddress],
        authkey: Authkey? = nil,
        tls: ManagerConnection.TLS? = nil,
        reconnectWindow: Duration = .seconds(30),
        logger: Logger = Logger(label: "durablemanager.client", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws(ManagerError) -> SyncManager {
        let key: Authkey
        if let authkey { key = authkey } else { key = try Authkey(contentsOf: StateFolder.default.authkeyPath) }
        let connection = try await ManagerConnection.connect(
            to: addresses, authkey: key, tls: tls, reconnectWindow: reconnectWindow, logger: logger
        )
        return SyncManager(connection: connection, process: nil)
    }

    /// Where the manager this client talks to listens now: after a failover, another of the
    /// addresses it was given.
    public var address: ManagerAddress { connection.address }

    /// What happens to the connection from now on: drops, reconnections, restarts of the manager
    /// (and with them, in-memory objects lost), locks lost in a restart. Each access makes a new
    /// sequence; it ends when the manager is shut down.
    ///
    /// ```swift
    /// import Proxies
    ///
    /// let manager = try await SyncManager.connect()
    /// Task {
    ///     for await event in manager.events {
    ///         print(event)   // managerRestarted: reconnected to the manager at ..., which restarted (epoch 3 -> 4) ...
    ///     }
    /// }
    /// ```
    public var events: AsyncStream<ConnectionEvent> { connection.events }

    /// The process id of the manager this client started, or nil when it connected to one.
    public var managerProcessID: Int32? { process?.pid }

    /// Stops the manager this client started and waits for its process to exit; for a manager
    /// it connected to, only closes the connection. Safe to call again, and after the manager
    /// is already gone.
    public func shutdown() async {
        let first = isShutDown.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        if let process {
            // The end of its stdin stops the manager cleanly, as a shutdown call would, and
            // waits for no reconnection when the manager is already gone.
            process.closeStdin()
            await process.waitForExit(grace: .seconds(10))
        }
        await connection.close()
    }

    /// Asks the manager at the other end to shut down cleanly, whoever started it.
    public func stopManager() async throws(ManagerError) {
        _ = try await connection.call(0, "shutdown", [])
    }

    /// Checkpoints the manager's journal now: every object's state is written and the journal
    /// before it dropped, so a restart replays nothing that came before.
    /// - Throws: ``ManagerError`` `.journalFailure` when it cannot be written.
    public func checkpoint() async throws(ManagerError) {
        _ = try await connection.call(0, "checkpoint", [])
    }

    /// The manager's epoch, uptime, connected clients and object count.
    public func ping() async throws(ManagerError) -> Value {
        try await connection.call(0, "ping", [])
    }

    /// Unbinds `name`: the object lives on while a proxy or another object refers to it.
    /// - Returns: Whether the name was bound.
    @discardableResult
    public func delete(_ name: String) async throws(ManagerError) -> Bool {
        guard case .bool(let found) = try await connection.call(0, "delete", [.string(name)]) else { return false }
        return found
    }

    /// Creates an object of the registered type `typeID` (a custom manager's type), or opens the
    /// one called `name`, and returns a proxy that calls its methods by name.
    ///
    /// ```swift
    /// let foo = try await manager.create("Foo")
    /// try await foo.call("bar")
    /// ```
    /// - Throws: ``ManagerError`` `ValueError` when the manager registers no such type.
    public func create(_ typeID: String, name: String? = nil, arguments: [Value] = []) async throws(ManagerError) -> AutoProxy {
        try await create(typeID, name: name, arguments: arguments, as: AutoProxy.self)
    }

    /// Opens the object called `name`, or creates one, of the proxy's type.
    /// - Parameters:
    ///   - type: The proxy type, which names the registered type.
    ///   - name: Nil for a new anonymous object.
    ///   - arguments: The creator's arguments when the object is new.
    public func open<Proxy: SharedObjectProxy>(_ type: Proxy.Type, name: String?, arguments: [Value] = []) async throws(ManagerError) -> Proxy {
        try await create(Proxy.typeID, name: name, arguments: arguments, as: Proxy.self)
    }

    private func create<Proxy: Decodable>(_ typeID: String, name: String?, arguments: [Value], as proxy: Proxy.Type) async throws(ManagerError) -> Proxy {
        let reply = try await connection.call(0, "create", [.string(typeID), name.map(Value.string) ?? .null, .array(arguments)])
        return try connection.decode(proxy, from: reply, opened: name.map { OpenedName(name: $0, arguments: arguments) })
    }
}

/// Starts a manager, runs `body` with it, and always shuts it down, however `body` ends; the
/// counterpart of Python's `with SyncManager() as manager:`.
///
/// ```swift
/// let total = try await withManager { manager in
///     let counts: DictProxy<String, Int> = try await manager.dict()
///     return try await counts.count()
/// }
/// ```
public func withManager<Result: Sendable>(
    _ options: SyncManager.StartOptions = SyncManager.StartOptions(),
    _ body: (SyncManager) async throws -> Result
) async throws -> Result {
    let manager = try await SyncManager.start(options)
    do {
        let result = try await body(manager)
        await manager.shutdown()
        return result
    } catch {
        await manager.shutdown()
        throw error
    }
}
