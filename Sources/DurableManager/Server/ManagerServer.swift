import DurableWire
public import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
public import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A manager: listens on its addresses, authenticates clients, and serves the shared objects
/// until a client calls `shutdown` or the service group shuts down gracefully.
///
/// Run it in a `ServiceGroup` so that SIGTERM and SIGINT stop it cleanly:
///
/// ```swift
/// let server = ManagerServer(
///     configuration: .init(addresses: [.unixDomainSocket(path: "/tmp/jobs.sock")], authkey: key),
///     logger: logger
/// )
/// let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
public struct ManagerServer: Service, CustomStringConvertible {
    public let configuration: Configuration
    private let logger: Logger

    /// Creates a manager; nothing listens until ``run()``.
    /// - Parameters:
    ///   - configuration: Addresses, authkey and limits.
    ///   - logger: Where the manager logs; it never makes its own.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public var description: String {
        "ManagerServer(\(configuration.addresses.map(\.description).joined(separator: ", ")))"
    }

    /// Serves until a client's `shutdown` or a graceful shutdown of the service group.
    /// - Throws: ``ManagerError`` when an address cannot be bound (another manager listens there,
    ///   the port is taken, the folder does not exist), or, before anything starts, when a
    ///   method returns a type the registry lacks or a TLS file is unusable (the message names
    ///   it); ``JournalError`` when the journal cannot be opened or restored.
    public func run() async throws {
        try configuration.authkey.checkLength(from: "in the configuration")
        if let missing = configuration.types.unregisteredReturnedTypes.first {
            throw ManagerError(
                .valueError,
                "a method of \(missing.returnedBy) returns a '\(missing.typeID)', which this manager does not register; register it or fix the type id"
            )
        }
        var tls: NIOSSLContext?
        if let settings = configuration.tls {
            guard configuration.addresses.contains(where: \.isTCP) else {
                throw ManagerError(
                    .valueError,
                    "TLS is configured but no address is TCP: TLS protects TCP listeners (a Unix socket is protected by its file's permissions); add a tcp: address or drop TLS"
                )
            }
            tls = try settings.makeContext()
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        do {
            try await serve(on: loop, tls: tls)
            try await group.shutdownGracefully()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func serve(on loop: any EventLoop, tls: NIOSSLContext?) async throws {
        let configuration = configuration
        let started = NIODeadline.now()
        var journalFile: JournalFile?
        var startInfo: JournalFile.StartInfo?
        if let journal = configuration.journal {
            let location = try JournalLocation(journal.path, schema: journal.postgresSchema)
            let opened: (JournalFile, JournalFile.StartInfo)
            if journal.standby {
                guard case .postgres = location else {
                    throw ManagerError(
                        .valueError,
                        "--standby needs a journal on PostgreSQL (--journal postgresql://...): a standby takes over a journal that another host's manager wrote, which one SQLite file on one disk cannot give"
                    )
                }
                guard let file = try await standBy(for: location, tls: tls, on: loop) else { return }
                opened = file
            } else {
                opened = try await JournalFile.open(
                    location, durability: journal.durability, maxPageCount: journal.maxPageCount, acceptingLoss: journal.acceptingLoss, logger: logger
                )
            }
            let (file, info) = opened
            if info.recordsLost > 0 || journal.acceptingLoss && !info.cleanShutdown {
                logger.warning("started on a journal that lost records, as --accept-journal-loss allows", metadata: [
                    "journal": "\(file.path)", "recordsLost": "\(info.recordsLost)",
                ])
            }
            journalFile = file
            startInfo = info
        }
        let epoch = startInfo?.epoch ?? 1
        let stopped = loop.makePromise(of: Void.self)
        let lostLease: Bool
        do {
            lostLease = try await serveObjects(
                on: loop, tls: tls, journalFile: journalFile, startInfo: startInfo, epoch: epoch, started: started, stopped: stopped
            )
        } catch {
            // Nothing waits on it any more; complete it so it is not leaked.
            stopped.succeed()
            await journalFile?.close(clean: false)
            throw error
        }
        // Thrown once the journal is closed (by ``serveObjects``), so that the process ends in error.
        if lostLease, let journalFile {
            throw JournalError.writeFailed(
                journalFile.path,
                "the connection to PostgreSQL ended, and with it this manager's lease; it stopped so that a standby can take over. Start it again (with --standby) once the database is reachable"
            )
        }
    }

    /// A standby: listens, answering `ping` and refusing every other call, until it holds the
    /// journal's lease; then stops listening (its clients reconnect, to find it active) and
    /// returns the journal, opened with a new epoch that fences off the manager it replaces.
    /// - Returns: Nil when the manager was asked to stop first.
    private func standBy(for location: JournalLocation, tls: NIOSSLContext?, on loop: any EventLoop) async throws -> (JournalFile, JournalFile.StartInfo)? {
        let configuration = configuration, logger = logger
        guard let journal = configuration.journal else { return nil }
        let store = try await loop.submit {
            let store = ObjectStore(registry: configuration.types, epoch: 0, sessionGrace: configuration.sessionGrace, eventLoop: loop, logger: logger)
            store.standbyFor = location.description
            return NIOLoopBound(store, eventLoop: loop)
        }.get()
        let connections = ConnectionRegistry()
        // Python's clients cannot fail over, and a standby serves nothing: it does not listen for them.
        let (listeners, bound) = try await bindListeners(store: store, connections: connections, tls: tls, python: false, on: loop)
        configuration.onListening(bound)
        logger.notice("standby: waiting to take over the journal when its active manager stops", metadata: ["journal": "\(location)"])
        let opening = Task {
            try await JournalFile.open(
                location, durability: journal.durability, maxPageCount: journal.maxPageCount, acceptingLoss: journal.acceptingLoss,
                standby: true, logger: logger
            ) { holder in
                logger.info("standby: the journal's lease is held", metadata: ["holder": "\(holder)"])
            }
        }
        let stopping = Mutex(false)
        let opened = await withGracefulShutdownHandler {
            await opening.result
        } onGracefulShutdown: {
            stopping.withLock { $0 = true }
            opening.cancel()
        }
        for listener in listeners { try? await listener.close() }
        await connections.closeAll()
        for address in configuration.addresses { Listener.removeSocketFile(for: address) }
        if stopping.withLock({ $0 }) {
            if case .success(let (file, _)) = opened { await file.close(clean: false) }
            logger.info("standby stopped")
            return nil
        }
        let file = try opened.get()
        logger.notice("standby: took over the journal", metadata: ["journal": "\(location)", "epoch": "\(file.1.epoch)"])
        return file
    }

    /// Restores the objects, listens, and serves until stopped; then checkpoints and closes.
    /// - Returns: Whether it stopped because the journal's lease ended.
    private func serveObjects(
        on loop: any EventLoop, tls: NIOSSLContext?, journalFile: JournalFile?, startInfo: JournalFile.StartInfo?, epoch: UInt64,
        started: NIODeadline, stopped: EventLoopPromise<Void>
    ) async throws -> Bool {
        let configuration = configuration
        let logger = logger
        let store = try await loop.submit {
            let store = ObjectStore(
                registry: configuration.types, epoch: epoch, sessionGrace: configuration.sessionGrace, eventLoop: loop, logger: logger
            )
            store.maxValueSize = configuration.maxValueSize
            store.callStatistics.isCounting = configuration.countsCalls
            store.onShutdownRequest = {
                logger.info("shutdown requested by a client")
                stopped.succeed()
            }
            return NIOLoopBound(store, eventLoop: loop)
        }.get()
        if let file = journalFile, let info = startInfo, let settings = configuration.journal {
            let report = try await JournalRecovery.recover(store, from: file, info: info, settings: settings, on: loop, logger: logger)
            logger.info("restored the journal", metadata: [
                "journal": "\(file.path)", "objects": "\(report.objects)", "replayed": "\(report.replayed)",
                "lastStop": "\(info.cleanShutdown ? "clean" : "unclean")", "epoch": "\(info.epoch)",
                "durability": "\(settings.durability)",
                "ms": "\((NIODeadline.now() - started).nanoseconds / 1_000_000)",
            ])
            if settings.durability == .relaxed {
                logger.warning("durability relaxed: calls are answered before their commit; a crash loses up to 100 ms of acknowledged changes")
            }
        }
        if let file = journalFile {
            // The lease ends with the connection to PostgreSQL: a manager that lost it may have a
            // successor already, so it stops rather than serve state it can no longer commit.
            file.leaseEnded?.hop(to: loop).whenComplete { _ in
                guard !store.value.isStopping else { return }
                logger.critical("lost the connection to PostgreSQL, and with it the journal's lease; stopping so that a standby can take over (start this one again, with --standby)")
                store.value.lostLease = true
                stopped.succeed()
            }
        }
        let connections = ConnectionRegistry()
        let (listeners, bound) = try await bindListeners(store: store, connections: connections, tls: tls, python: true, on: loop)
        configuration.onListening(bound)
        logger.info("manager ready", metadata: ["epoch": "\(epoch)", "pid": "\(getpid())"])

        try await withGracefulShutdownHandler {
            try await stopped.futureResult.get()
        } onGracefulShutdown: {
            logger.info("shutting down (signal, or the client that started the manager went away)")
            stopped.succeed()
        }
        let lostLease = try await loop.submit {
            store.value.isStopping = true
            return store.value.lostLease
        }.get()
        for listener in listeners { try? await listener.close() }
        await connections.closeAll()
        for address in configuration.addresses + configuration.pythonAddresses { Listener.removeSocketFile(for: address) }
        if let journalFile {
            // The clean stop: everything is checkpointed, so the next start replays nothing.
            let checkpointed: Bool
            do {
                try await loop.flatSubmit {
                    store.value.stopServing()
                    return store.value.journal!.checkpoint()
                }.get()
                checkpointed = true
            } catch {
                logger.error("the final checkpoint failed; the next start replays the journal", metadata: ["error": "\(error)"])
                checkpointed = false
            }
            try? await loop.submit { store.value.journal!.stop() }.get()
            await journalFile.close(clean: checkpointed)
        }
        logger.info("manager stopped")
        return lostLease
    }

    /// Binds every address (and, with `python`, every Python address) to serve `store`.
    private func bindListeners(
        store: NIOLoopBound<ObjectStore>, connections: ConnectionRegistry, tls: NIOSSLContext?, python: Bool, on loop: any EventLoop
    ) async throws -> ([any Channel], [ManagerAddress]) {
        let configuration = configuration, logger = logger
        let throttle = try await loop.submit { NIOLoopBound(LoginThrottle(), eventLoop: loop) }.get()
        let full = RateLimitedWarning("refused connections: the manager serves --max-connections \(configuration.maxConnections) already", logger: logger)
        let tlsRefused = RateLimitedWarning("refused a TLS client: the handshake failed (see reason)", logger: logger)

        var listeners: [any Channel] = []
        var bound: [ManagerAddress] = []
        do {
            for address in configuration.addresses {
                // Unix sockets stay plain: their file's permissions decide who connects.
                let tls = address.isTCP ? tls : nil
                let listener = try await Listener.bind(address, on: loop, logger: logger) { channel in
                    // TLS first, so that everything after it, a refusal included, is encrypted.
                    if let tls {
                        try channel.pipeline.syncOperations.addHandlers([NIOSSLServerHandler(context: tls), TLSRefusalLog(tlsRefused)])
                    }
                    guard connections.add(channel, limit: configuration.maxConnections) else {
                        full.happened()
                        try channel.pipeline.syncOperations.addHandlers([
                            MessageToByteHandler(MessageFrameEncoder()),
                            ConnectionRefusal(ManagerError(
                                .tooManyConnections,
                                "the manager serves its maximum of \(configuration.maxConnections) connections (--max-connections); try again later"
                            )),
                        ])
                        return
                    }
                    try channel.pipeline.syncOperations.addManagerConnectionHandlers(
                        store: store.value, authkey: configuration.authkey, maxFrameSize: configuration.maxFrameSize,
                        handshakeTimeout: configuration.handshakeTimeout, throttle: throttle.value, logger: logger
                    )
                }
                listeners.append(listener.channel)
                bound.append(listener.address)
                logger.info("listening", metadata: ["address": "\(listener.address)", "tls": "\(tls != nil)"])
                if tls == nil, address.isReachableFromOtherHosts {
                    logger.warning(
                        "serving plain TCP on \(listener.address), which other hosts can reach: anyone on the network path reads every value and call, and a relay can inject calls into a logged-in connection (the authkey handshake does not reveal the key, but protects nothing after it); serve TLS (--tls-cert, --tls-key) or listen on 127.0.0.1"
                    )
                }
            }
            for listener in try await python ? Self.bindPythonListeners(
                configuration, store: store, throttle: throttle, connections: connections, full: full, on: loop, logger: logger
            ) : [] {
                listeners.append(listener.channel)
                bound.append(listener.address)
            }
        } catch {
            for listener in listeners { try? await listener.close() }
            throw error
        }
        return (listeners, bound)
    }
}
