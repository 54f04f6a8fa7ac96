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
        try await group.run()
    }
}
