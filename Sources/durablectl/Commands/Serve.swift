import ArgumentParser
import DurableManager
import DurableWire
import Logging
import NIOCore
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a manager until `durablectl shutdown`, a client's shutdown, SIGTERM or SIGINT.",
        discussion: """
            Prints one line on stdout once it accepts connections: the addresses it listens on. \
            Logs go to stderr.

            Examples:
              durablectl serve
              durablectl serve --listen unix:/tmp/jobs.sock --listen tcp:127.0.0.1:50000
              durablectl serve --listen tcp:0.0.0.0:50000 --authkey-file /etc/jobs/authkey
            """
    )

    @Option(name: .customLong("listen"), help: ArgumentHelp(
        "Where to listen: unix:PATH or tcp:HOST:PORT; repeat for several. (default: manager.sock in the state folder)",
        valueName: "address"))
    var addresses: [String] = []

    @Option(help: ArgumentHelp(
        "The authkey file; created with 32 random bytes and mode 0600 when missing. (default: authkey in the state folder)",
        valueName: "path"))
    var authkeyFile: String?

    @Option(help: ArgumentHelp(
        "The SQLite journal of dicts, lists, Namespaces, Values and Queues; created when missing. (default: manager.sqlite in the state folder)",
        valueName: "path"))
    var journal: String?

    @Option(help: ArgumentHelp(
        "full (fsync every commit: survives power loss), normal (survives a crash of the manager; the default) or relaxed (answers before the commit: a crash loses up to 100 ms).",
        valueName: "mode"))
    var durability: String = "normal"

    @Option(help: ArgumentHelp("Checkpoint after this many journal records, which bounds the replay at start-up.", valueName: "records"))
    var checkpointEvery: Int = 100_000

    @Option(help: ArgumentHelp("Cap the journal at this many 4 KiB pages; past it, writes fail as on a full disk.", valueName: "pages"))
    var journalMaxPages: Int?

    @Option(help: "Seconds a client's session outlives its last connection before its locks are released.")
    var sessionGrace: Double = 5

    @Option(help: "The largest frame, in bytes, a client may send.")
    var maxFrameSize: Int = 64 << 20

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Flag(help: .hidden)
    var exitOnStdinEof = false

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
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
        var configuration = ManagerServer.Configuration(
            addresses: addresses,
            authkey: try Authkey(contentsOf: authkeyFile ?? folder.authkeyPath, create: true)
        )
        guard let mode = Durability(name: durability) else {
            throw ValidationError("--durability must be full, normal or relaxed")
        }
        guard checkpointEvery > 0 else { throw ValidationError("--checkpoint-every must be at least 1") }
        let journalPath = journal ?? folder.journalPath
        try StateFolder.createParentFolders(of: journalPath)
        var journalSettings = ManagerServer.Configuration.Journal(path: journalPath, durability: mode)
        journalSettings.checkpointEvery = checkpointEvery
        journalSettings.maxPageCount = journalMaxPages
        configuration.journal = journalSettings
        configuration.sessionGrace = .nanoseconds(Int64(sessionGrace * 1e9))
        configuration.maxFrameSize = maxFrameSize
        configuration.onListening = { bound in
            print("DurableManager listening on \(bound.map(\.description).joined(separator: " "))")
            fflush(nil)
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: ManagerServer(configuration: configuration, logger: logger), successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if exitOnStdinEof {
            services.append(.init(service: StandardInputWatcher(), successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        do {
            try await group.run()
        } catch let error as JournalError {
            printError("durablectl: \(error)")
            throw ExitCode(error.isDiskFull ? 74 : 66)
        } catch let error as ManagerError {
            printError("durablectl: \(error.message)")
            throw ExitCode(71)
        }
    }
}
