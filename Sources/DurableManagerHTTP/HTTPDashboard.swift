import DurableManager
public import DurableWire
import Foundation
import Hummingbird
public import Logging
import Metrics
import NIOCore
import Prometheus
public import ServiceLifecycle
import Synchronization

/// The HTTP side of `serve --http`: `/metrics` for Prometheus, `/api/...` as JSON and `/`, a
/// read-only dashboard page, all behind a bearer token.
///
/// Nothing here runs on the manager's loop. A poller, an ordinary client of the manager, asks
/// for `ping`, `describe` and `sessions` once a second and publishes the answers; handlers read
/// the published snapshot. Only `/api/objects/ID` asks the manager on demand (one `describe`).
///
/// ```swift
/// let dashboard = try HTTPDashboard(configuration: .init(
///     host: "127.0.0.1", port: 9464, managerAddress: address, authkey: key, token: token
/// ), logger: logger)
/// ```
public struct HTTPDashboard: Service {
    /// Where to listen and how to reach the manager.
    public struct Configuration: Sendable {
        /// The host to bind: a loopback address unless `allowRemote`.
        public var host: String
        /// The port; 0 picks a free one, which `onListening` reports.
        public var port: Int
        /// Lets `host` be an address other machines reach (plain HTTP: logged as a warning).
        public var allowRemote = false
        /// The manager the poller asks: a Unix socket, so that no TLS needs setting up.
        public var managerAddress: ManagerAddress
        /// The manager's authkey, with which the poller logs in like any client.
        public var authkey: Authkey
        /// The journal whose newest records the page shows (a file, or a `postgresql://` URI
        /// with its tables in ``journalSchema``); nil without a journal.
        public var journalPath: String?
        /// The PostgreSQL schema of a journal on PostgreSQL.
        public var journalSchema = "durablemanager"
        /// The bearer token every request must carry; nil serves without one (loopback only).
        public var token: String?
        /// How often the poller asks the manager.
        public var pollInterval: Duration = .seconds(1)
        /// Called with the bound host and port once the server accepts connections.
        public var onListening: @Sendable (_ host: String, _ port: Int) -> Void = { _, _ in }

        /// The settings with defaults for the rest.
        /// - Parameters:
        ///   - host: The host to bind, such as `127.0.0.1`.
        ///   - port: The port; 0 picks a free one.
        ///   - managerAddress: The manager the poller asks.
        ///   - authkey: The manager's authkey.
        ///   - token: The bearer token, or nil for none (loopback only).
        public init(host: String, port: Int, managerAddress: ManagerAddress, authkey: Authkey, token: String?) {
            self.host = host
            self.port = port
            self.managerAddress = managerAddress
            self.authkey = authkey
            self.token = token
        }
    }

    private let configuration: Configuration
    private let logger: Logger

    /// Checks the address and bootstraps the Prometheus registry as the process's metrics system.
    /// - Throws: ``HTTPDashboardError`` when the host is not loopback and `allowRemote` is off,
    ///   or when there is no token on an address other machines reach.
    public init(configuration: Configuration, logger: Logger) throws(HTTPDashboardError) {
        let loopback = Self.isLoopback(configuration.host)
        if !loopback {
            guard configuration.allowRemote else {
                throw .address(configuration.host, "not a loopback address; pass --http-allow-remote to serve other machines")
            }
            guard configuration.token != nil else {
                throw .address(configuration.host, "--http-no-auth is allowed on loopback only; drop it to require the token")
            }
        }
        self.configuration = configuration
        self.logger = logger
    }

    /// Whether `host` is reachable from this machine only.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The registry `/metrics` renders; bootstrapped once per process as swift-metrics' backend.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// Serves until graceful shutdown; open event streams end with it.
    /// - Throws: ``HTTPDashboardError`` when the page's files are missing; the server's own
    ///   errors, such as a port already in use.
    public func run() async throws {
        let registry = Self.registry
        if !Self.isLoopback(configuration.host) {
            logger.warning("the dashboard listens on \(configuration.host), which other machines reach, over plain HTTP: anyone on the network path reads the token and every object's contents")
        }
        if configuration.token == nil { logger.notice("the dashboard serves without a token (--http-no-auth) on loopback") }
        let state = DashboardState()
        let poller = DashboardPoller(
            managerAddress: configuration.managerAddress, authkey: configuration.authkey, journalPath: configuration.journalPath,
            journalSchema: configuration.journalSchema,
            interval: configuration.pollInterval, state: state, metrics: DashboardMetrics(), logger: logger
        )
        let api = DashboardAPI(state: state, registry: registry, poller: poller, assets: try DashboardAssets.load())
        let router = Router()
        router.add(middleware: BearerTokenMiddleware(token: configuration.token))
        api.addRoutes(to: router)
        let onListening = configuration.onListening
        let host = configuration.host
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "DurableManager"),
            onServerRunning: { channel in onListening(host, channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await poller.run() }
                group.addTask { try await application.run() }
                try await group.waitForAll()
            }
        } onGracefulShutdown: {
            // Event streams never end by themselves; the server waits for open requests.
            state.stop()
        }
    }
}
