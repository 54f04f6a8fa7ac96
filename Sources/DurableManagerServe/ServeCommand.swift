public import ArgumentParser
public import DurableManager
import DurableManagerHTTP
import DurableWire
import Logging
import NIOCore
import ServiceLifecycle
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The `serve` command: runs a manager with the options `durablectl serve` documents.
///
/// `durablectl serve` runs it with Python's `SyncManager` types; a custom manager's executable
/// runs it with its own (see ``CustomManager``), so both take the same flags and a client's
/// `SyncManager.start` can spawn either.
public struct ServeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a manager until `durablectl shutdown`, a client's shutdown, SIGTERM or SIGINT.",
        discussion: """
            Prints one line on stdout once it accepts connections: the addresses it listens on. \
            Logs go to stderr. A custom manager's executable takes the same options.

            Examples:
              durablectl serve
              durablectl serve --listen unix:/tmp/jobs.sock --listen tcp:127.0.0.1:50000
              durablectl serve --listen tcp:0.0.0.0:50000 --authkey-file /etc/jobs/authkey
              durablectl serve --listen tcp:0.0.0.0:50000 --tls-cert manager.pem --tls-key manager.key
              durablectl serve --listen-python unix:/tmp/python.sock
              durablectl serve --http 127.0.0.1:9464

            --http serves /metrics (Prometheus), /api/... (JSON) and a read-only dashboard at /; \
            every request needs the token in the http-token file beside the authkey (created \
            with mode 0600), as `Authorization: Bearer TOKEN` or `?token=TOKEN`. Once it listens \
            it prints a line `DurableManager HTTP on http://HOST:PORT/`.

            TLS (--tls-cert, --tls-key) protects the TCP listeners; Unix sockets stay plain, \
            protected by their file's permissions. Plain TCP on an address other hosts can reach \
            is served with a warning: anyone on the network path reads every value and call.
            """
    )

    @Option(name: .customLong("listen"), help: ArgumentHelp(
        "Where to listen: unix:PATH or tcp:HOST:PORT; repeat for several. (default: manager.sock in the state folder)",
        valueName: "address"))
    var addresses: [String] = []

    @Option(name: .customLong("listen-python"), help: ArgumentHelp(
        "Also listen for CPython's multiprocessing clients (SyncManager(address=..., authkey=<the authkey file's bytes>).connect()): unix:PATH or tcp:HOST:PORT; repeat for several. Plain, even on TCP.",
        valueName: "address"))
    var pythonAddresses: [String] = []

    @Option(help: ArgumentHelp(
        "The authkey file; created with 32 random bytes and mode 0600 when missing. (default: authkey in the state folder)",
        valueName: "path"))
    var authkeyFile: String?

    @Option(help: ArgumentHelp(
        "Serve TLS on the TCP listeners with this PEM certificate (then any intermediates); clients verify it against their --tls-ca. Needs --tls-key.",
        valueName: "path"))
    var tlsCert: String?

    @Option(help: ArgumentHelp(
        "The PEM private key of --tls-cert, unencrypted, mode 0600 (0640 at most).",
        valueName: "path"))
    var tlsKey: String?

    @Option(help: ArgumentHelp(
        "Require every TLS client to present a certificate signed by a CA in this PEM file. Needs --tls-cert.",
        valueName: "path"))
    var tlsCa: String?

    @Option(help: ArgumentHelp(
        "The journal of dicts, lists, Namespaces, Values, Queues and durable custom types, created when missing: an SQLite file, or a PostgreSQL database as a libpq URI (postgresql://USER@HOST:PORT/DB, or postgresql:///DB?host=/socket/folder; the password from the URI, PGPASSWORD or ~/.pgpass). (default: manager.sqlite in the state folder)",
        valueName: "path-or-uri"))
    var journal: String?

    @Option(help: ArgumentHelp("The PostgreSQL schema that holds the journal's tables; created when missing.", valueName: "name"))
    var pgSchema: String = "durablemanager"

    @Flag(help: "Serve nothing (ping says standby) until the active manager on the same PostgreSQL journal stops or dies, then take over with every change it committed.")
    var standby = false

    @Option(help: ArgumentHelp(
        "full (fsync every commit: survives power loss), normal (survives a crash of the manager; the default) or relaxed (answers before the commit: a crash loses up to 100 ms).",
        valueName: "mode"))
    var durability: String = "normal"

    @Option(help: ArgumentHelp("Checkpoint after this many journal records, which bounds the replay at start-up.", valueName: "records"))
    var checkpointEvery: Int = 100_000

    @Option(help: ArgumentHelp("Cap the journal at this many 4 KiB pages; past it, writes fail as on a full disk.", valueName: "pages"))
    var journalMaxPages: Int?

    @Flag(help: "Start on a journal that holds less than its manager committed (a deleted WAL, a truncated, emptied, deleted or replaced file), which is otherwise refused: serve what it holds.")
    var acceptJournalLoss = false

    @Option(help: "Seconds a client's session outlives its last connection before its locks are released.")
    var sessionGrace: Double = 5

    @Option(help: "The largest frame, in bytes, a client may send.")
    var maxFrameSize: Int = 64 << 20

    @Option(help: "The largest state or reply, in bytes: a call that would make an object or its reply larger is refused with MemoryError. At most 943718400 (900 MiB).")
    var maxValueSize: Int = 256 << 20

    @Option(help: "The most client connections open at once; one more is told so and closed.")
    var maxConnections: Int = 1024

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(help: ArgumentHelp(
        "Serve /metrics, /api and the dashboard over HTTP on HOST:PORT (port 0 picks one). Off by default; loopback only unless --http-allow-remote.",
        valueName: "host:port"))
    var http: String?

    @Flag(help: "Let --http listen on an address other machines reach: plain HTTP, logged as a warning.")
    var httpAllowRemote = false

    @Flag(help: "Serve --http without the bearer token; loopback addresses only.")
    var httpNoAuth = false

    @Option(help: ArgumentHelp(
        "The bearer token file of --http; created with a random token and mode 0600 when missing. (default: http-token beside the authkey file)",
        valueName: "path"))
    var httpTokenFile: String?

    @Flag(help: .hidden)
    var exitOnStdinEof = false

    /// An empty command; swift-argument-parser fills it from the command line.
    public init() {}

    /// Checks the options before anything starts, so a bad one is a usage error (exit 64).
    public func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard Durability(name: durability) != nil else { throw ValidationError("--durability must be full, normal or relaxed") }
        guard checkpointEvery > 0 else { throw ValidationError("--checkpoint-every must be at least 1") }
        guard (1...ManagerServer.Configuration.maxValueSizeLimit).contains(maxValueSize) else {
            throw ValidationError("--max-value-size must be from 1 to \(ManagerServer.Configuration.maxValueSizeLimit) bytes (a journal stores a value of at most 1 GB)")
        }
        guard maxConnections > 0 else { throw ValidationError("--max-connections must be at least 1") }
        guard maxFrameSize >= 1024 else { throw ValidationError("--max-frame-size must be at least 1024 bytes") }
        var listensOnTCP = false
        for address in addresses {
            do {
                if try ManagerAddress(parsing: address).isTCP { listensOnTCP = true }
            } catch {
                throw ValidationError("--listen \(address): \(error)")
            }
        }
        try validateTLS(listensOnTCP: listensOnTCP)
        if let http {
            let (host, _) = try Self.parseHTTP(http)
            let loopback = host == "localhost" || host == "::1" || host.hasPrefix("127.")
            if !loopback && !httpAllowRemote {
                throw ValidationError("--http \(http) is not a loopback address; add --http-allow-remote to serve other machines (plain HTTP, with a warning)")
            }
            if httpNoAuth && !loopback { throw ValidationError("--http-no-auth is allowed on a loopback --http address only") }
            if tlsCert != nil && !(addresses.isEmpty || addresses.contains { $0.hasPrefix("unix:") }) {
                throw ValidationError("--http reads the manager as a client over a Unix socket when its TCP listeners need TLS; add --listen unix:PATH")
            }
        } else if httpAllowRemote || httpNoAuth || httpTokenFile != nil {
            throw ValidationError("--http-allow-remote, --http-no-auth and --http-token-file go with --http HOST:PORT")
        }
        for address in pythonAddresses {
            do {
                _ = try ManagerAddress(parsing: address)
            } catch {
                throw ValidationError("--listen-python \(address): \(error)")
            }
        }
    }

    /// `HOST:PORT` or `[IPv6]:PORT`.
    private static func parseHTTP(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--http takes HOST:PORT, such as 127.0.0.1:9464 (port 0 picks a free one)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--http takes HOST:PORT with a host, such as 127.0.0.1:9464") }
        return (host, port)
    }

    /// The dashboard service `--http` asks for, or nil.
    private func dashboard(addresses: [ManagerAddress], authkey: Authkey, authkeyPath: String, journalPath: String, logger: Logger) throws -> HTTPDashboard? {
        guard let http else { return nil }
        let (host, port) = try Self.parseHTTP(http)
        // A Unix socket first: no TLS to set up for the dashboard's own client.
        let managerAddress = addresses.first { if case .unix = $0.kind { true } else { false } } ?? addresses[0]
        var token: String?
        if !httpNoAuth {
            let folder = authkeyPath.contains("/") ? String(authkeyPath[..<authkeyPath.lastIndex(of: "/")!]) : "."
            token = try HTTPToken.load(orCreateAt: httpTokenFile ?? folder + "/http-token")
        }
        var settings = HTTPDashboard.Configuration(host: host, port: port, managerAddress: managerAddress, authkey: authkey, token: token)
        settings.allowRemote = httpAllowRemote
        settings.journalPath = journalPath
        settings.journalSchema = pgSchema
        settings.onListening = { host, port in
            let shown = host.contains(":") ? "[\(host)]" : host
            print("DurableManager HTTP on http://\(shown):\(port)/")
            fflush(nil)
            logger.info("the dashboard listens on http://\(shown):\(port)/")
        }
        return try HTTPDashboard(configuration: settings, logger: logger)
    }

    /// TLS options come as a set and protect a TCP listener; their files are read here, so a
    /// missing or bad one is a usage error that names it.
    private func validateTLS(listensOnTCP: Bool) throws {
        guard let settings = try tlsSettings() else { return }
        guard listensOnTCP else {
            throw ValidationError(
                "--tls-cert protects TCP listeners, and this manager listens on Unix sockets only (protected by their files' permissions); add --listen tcp:HOST:PORT or drop the --tls options"
            )
        }
        do {
            _ = try settings.makeContext()
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// The TLS settings the options ask for; nil without any.
    private func tlsSettings() throws -> ManagerServer.TLS? {
        switch (tlsCert, tlsKey) {
        case (nil, nil):
            guard tlsCa == nil else { throw ValidationError("--tls-ca needs --tls-cert and --tls-key: the manager must present a certificate of its own") }
            return nil
        case (_?, nil):
            throw ValidationError("--tls-cert needs --tls-key, the certificate's private key")
        case (nil, _?):
            throw ValidationError("--tls-key needs --tls-cert, the certificate the key belongs to")
        case (let certificate?, let key?):
            return ManagerServer.TLS(certificateChainPath: certificate, privateKeyPath: key, clientCAPath: tlsCa)
        }
    }

    /// Serves Python's `SyncManager` types: `durablectl serve`.
    public func run() async throws {
        try await serve(types: .syncManager)
    }

    /// Runs a manager that offers `types`, until a client's shutdown, SIGTERM or SIGINT.
    public func serve(types: TypeRegistry) async throws {
        // A custom type's methods may print: line by line, so a client relaying the output sees it at once.
        setvbuf(stdout, nil, _IOLBF, 0)
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "durablemanager")
        let folder = StateFolder.default
        let addresses = try addresses.isEmpty ? [folder.socketAddress] : addresses.map { try ManagerAddress(parsing: $0) }
        for address in addresses {
            if case .unix(let path) = address.kind { try StateFolder.createParentFolders(of: path) }
        }
        let authkey: Authkey
        do {
            authkey = try Authkey(contentsOf: authkeyFile ?? folder.authkeyPath, create: true)
        } catch {
            // An unsafe or unreadable key file: the data is wrong, as `ping` says it (65).
            Self.printError(error.message)
            throw ExitCode(65)
        }
        var configuration = ManagerServer.Configuration(addresses: addresses, authkey: authkey)
        configuration.pythonAddresses = try pythonAddresses.map { try ManagerAddress(parsing: $0) }
        for address in configuration.pythonAddresses {
            if case .unix(let path) = address.kind { try StateFolder.createParentFolders(of: path) }
        }
        configuration.types = types
        configuration.tls = try tlsSettings()
        let mode = Durability(name: durability) ?? .normal
        let journalPath = journal ?? folder.journalPath
        let onPostgres = PostgresJournalAddress.isPostgresURI(journalPath)
        if !onPostgres { try StateFolder.createParentFolders(of: journalPath) }
        if standby, !onPostgres {
            throw ValidationError("--standby needs a journal on PostgreSQL (--journal postgresql://...): a standby takes over a journal another host's manager wrote, which an SQLite file on one disk cannot give")
        }
        if onPostgres, journalMaxPages != nil {
            throw ValidationError("--journal-max-pages caps an SQLite file; a journal on PostgreSQL is bounded by its database (a tablespace, a quota)")
        }
        var journalSettings = ManagerServer.Configuration.Journal(path: journalPath, durability: mode)
        journalSettings.postgresSchema = pgSchema
        journalSettings.standby = standby
        journalSettings.checkpointEvery = checkpointEvery
        journalSettings.maxPageCount = journalMaxPages
        journalSettings.acceptingLoss = acceptJournalLoss
        configuration.journal = journalSettings
        configuration.sessionGrace = .nanoseconds(Int64(sessionGrace * 1e9))
        configuration.countsCalls = http != nil
        configuration.maxFrameSize = maxFrameSize
        configuration.maxValueSize = maxValueSize
        configuration.maxConnections = maxConnections
        configuration.onListening = { bound in
            print("DurableManager listening on \(bound.map(\.description).joined(separator: " "))")
            fflush(nil)
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: ManagerServer(configuration: configuration, logger: logger), successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        do {
            if let dashboard = try dashboard(
                addresses: addresses, authkey: authkey, authkeyPath: authkeyFile ?? folder.authkeyPath,
                journalPath: journalPath, logger: logger
            ) {
                services.append(.init(service: dashboard, successTerminationBehavior: .gracefullyShutdownGroup))
            }
        } catch let error as HTTPDashboardError {
            Self.printError(error.message)
            throw ExitCode(65)
        }
        if exitOnStdinEof {
            services.append(.init(service: StandardInputWatcher(), successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        do {
            try await group.run()
        } catch let error as JournalError {
            Self.printError("\(error)")
            throw ExitCode(error.exitCode)
        } catch let error as ManagerError {
            Self.printError(error.message)
            throw ExitCode(71)
        }
    }

    /// One line on stderr, named after the program that failed.
    private static func printError(_ message: String) {
        let program = CommandLine.arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? "serve"
        let text = "\(program): \(message)\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
    }
}
