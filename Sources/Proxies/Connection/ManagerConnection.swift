public import DurableWire
public import Logging
import NIOCore
import NIOPosix
import Synchronization

/// One authenticated connection to a manager, shared by every proxy of a ``SyncManager``.
///
/// Calls are multiplexed: each carries a request id, and the reply resumes its caller from the
/// channel handler. Cancelling the calling task asks the manager to give up a parked call; the
/// caller still receives the manager's last word, so an item a `get` had already taken is never
/// dropped on the floor.
///
/// Given several addresses (a primary manager and its standbys), the connection uses the first
/// one whose manager serves, and fails over to another when it is lost.
public final class ManagerConnection: Sendable {
    /// One authenticated channel to the manager.
    private struct Link: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<ClientConnectionHandler>
        let epoch: UInt64
        /// Which of the connection's addresses it reached.
        let address: ManagerAddress
    }

    /// An address the connection may use, with TLS made for its host (once, at connect).
    private struct Endpoint: Sendable {
        let address: ManagerAddress
        let tls: ClientTLS?
    }

    private struct State: Sendable {
        var link: Link
        var closed = false
        /// The reconnect every caller waits for after the channel went down.
        var reconnecting: Task<Link, any Error>?
        /// The channel this client closed because its manager answered as a standby: its end
        /// is reported as that, not as a drop.
        var demoted: ObjectIdentifier?
    }

    private let state: Mutex<State>
    /// How many proxies this process holds on each object, so that a reconnected session tells
    /// the manager exactly what it refers to.
    private let liveProxies = Mutex<[UInt64: Int]>([:])
    /// Request ids in use, and the next one: taken together under one lock, so the lowest id
    /// still waiting for its reply (what every request acknowledges below) never skips a call
    /// that has an id but is not sent yet.
    /// Ids are handed out in order, so `inFlight` stays sorted and its first is the lowest.
    private let requests = Mutex<(next: UInt64, inFlight: [UInt64])>((1, []))
    private let authkey: Authkey
    /// Every address, in the order they are tried; made once at connect, so every reconnect
    /// speaks TLS with the same files.
    private let endpoints: [Endpoint]
    private let maxFrameSize: Int
    /// How long calls wait for the manager to come back after the connection dropped.
    private let reconnectWindow: Duration
    private let handshakeTimeout: Duration
    /// This client's session: the same one across reconnects.
    public let sessionID: String
    private let logger: Logger
    /// What happened to the connection, for ``events``.
    let eventSource = ConnectionEvents()
    /// Where the manager this connection talks to now listens: one of ``addresses``, another
    /// one after a failover.
    public var address: ManagerAddress { state.withLock { $0.link.address } }
    /// Every address this connection may use, in the order it tries them; one unless it was
    /// given several (a primary and its standbys).
    public var addresses: [ManagerAddress] { endpoints.map(\.address) }
    /// With several addresses, a manager's role is checked and a standby is skipped. With one,
    /// there is nowhere else to go: the connection behaves as it did before standbys existed.
    private var failsOver: Bool { endpoints.count > 1 }
    /// The thread this connection's I/O runs on, the same across reconnects.
    private let loop: any EventLoop

    /// The connection's own thread as a task executor: a task that prefers it makes its calls
    /// without crossing threads, which is several times cheaper in CPU per call.
    ///
    /// ```swift
    /// try await withTaskExecutorPreference(manager.connection.executor) {
    ///     for job in jobs { try await results.set(job.id, job.answer) }
    /// }
    /// ```
    ///
    /// Code that blocks its thread (a synchronous file read, a long computation) must not run
    /// there: it would hold up every call and reply of the connection while it blocks.
    public let executor: ConnectionExecutor

    /// The manager run this connection talks to (it changes when the manager restarts).
    public var epoch: UInt64 { state.withLock { $0.link.epoch } }

    private init(
        link: Link, loop: any EventLoop, endpoints: [Endpoint], authkey: Authkey, sessionID: String, maxFrameSize: Int,
        reconnectWindow: Duration, handshakeTimeout: Duration, logger: Logger
    ) {
        self.state = Mutex(State(link: link))
        self.loop = loop
        self.executor = ConnectionExecutor(loop: loop)
        self.endpoints = endpoints
        self.authkey = authkey
        self.sessionID = sessionID
        self.maxFrameSize = maxFrameSize
        self.reconnectWindow = reconnectWindow
        self.handshakeTimeout = handshakeTimeout
        self.logger = logger
        watch(link)
    }

    /// What happens to this connection from now on: drops, reconnections, restarts of the
    /// manager, locks lost in a restart. Each call makes a new sequence; it ends when the
    /// connection is closed.
    public var events: AsyncStream<ConnectionEvent> { eventSource.stream() }

    /// Reports `event` to every listener, and to the log.
    func report(_ event: ConnectionEvent) {
        let level: Logger.Level = event.kind == .reconnected ? .info : .warning
        logger.log(level: level, "\(event.message)", metadata: ["event": "\(event.kind)", "epoch": "\(event.epoch)", "address": "\(address)"])
        eventSource.emit(event)
    }

    /// Notices when `link` drops, and starts getting it back at once: calls find it ready, and
    /// the manager hears from this session again within its grace period.
    private func watch(_ link: Link) {
        link.channel.closeFuture.whenComplete { [weak self] _ in
            guard let self else { return }
            let (closed, demoted) = self.state.withLock { ($0.closed, $0.demoted == ObjectIdentifier(link.channel)) }
            guard !closed else { return }
            let what = demoted
                ? "the manager at \(link.address) answered as a standby (another manager serves its journal now)"
                : "the connection to the manager at \(link.address) dropped"
            let whither = self.failsOver ? "through \(Self.list(self.endpoints)) " : ""
            self.report(ConnectionEvent(
                kind: .disconnected, epoch: link.epoch, previousEpoch: link.epoch, object: nil,
                message: "\(what); reconnecting \(whither)for up to \(self.reconnectWindow)"
            ))
            Task { _ = try? await self.currentLink() }
        }
    }

    /// The addresses for people: `unix:/a, tcp:b:1`.
    private static func list(_ endpoints: [Endpoint]) -> String { endpoints.map { "\($0.address)" }.joined(separator: ", ") }

    /// Connects and runs the authkey handshake.
    ///
    /// When the connection drops later (the manager restarted, a network blip), the next call
    /// reconnects under the same session for up to `reconnectWindow` and tells the manager which
    /// objects this process's proxies still refer to; proxies keep working. Calls that were in
    /// flight when it dropped fail with `.connectionLost`: they may or may not have been applied.
    /// - Parameters:
    ///   - address: Where the manager listens.
    ///   - authkey: The manager's authkey.
    ///   - tls: TLS for a manager that serves it on this TCP address (`durablectl serve
    ///     --tls-cert`): the manager's certificate is verified before the authkey handshake.
    ///     Its files are read once, here.
    ///   - sessionID: The session to open or resume; a new random one by default.
    ///   - maxFrameSize: The largest reply accepted.
    ///   - reconnectWindow: How long a call waits for the manager to come back.
    ///   - handshakeTimeout: How long to wait for the manager to accept the connection and
    ///     the authkey: a stopped or wedged manager is given up on after it.
    /// - Throws: ``ManagerError`` with `.authenticationFailed` for a wrong key, `.tlsFailure`
    ///   when the TLS handshake fails (the manager's certificate does not verify, the manager
    ///   refuses this client's, or it does not serve TLS), `.valueError` for an unusable TLS
    ///   file, `.connectionLost` when nothing listens there or nothing answers in time.
    ///
    /// ```swift
    /// let connection = try await ManagerConnection.connect(
    ///     to: .hostname("127.0.0.1", port: 50000), authkey: key, tls: .init(trustRootsPath: "ca.pem")
    /// )
    /// ```
    public static func connect(
        to address: ManagerAddress,
        authkey: Authkey,
        tls: TLS? = nil,
        sessionID: String = randomSessionID(),
        maxFrameSize: Int = 64 << 20,
        reconnectWindow: Duration = .seconds(30),
        handshakeTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "durablemanager.client", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws(ManagerError) -> ManagerConnection {
        try await connect(
            to: [address], authkey: authkey, tls: tls, sessionID: sessionID, maxFrameSize: maxFrameSize,
            reconnectWindow: reconnectWindow, handshakeTimeout: handshakeTimeout, logger: logger
        )
    }

    /// Connects to the first of `addresses` whose manager serves, and fails over between them:
    /// a primary manager and its standbys (`durablectl serve --standby`).
    ///
    /// The addresses are tried in turn, round and round, for up to `reconnectWindow`: one that
    /// refuses the connection, does not answer within `handshakeTimeout`, or whose manager says
    /// it is a standby (its `ping` reply's `role`) is skipped. When the connection is lost
    /// later, or a call is answered `.standby` (the manager was deposed under this client), the
    /// connection goes round them again from the address after the one it lost, under the same
    /// session, and the calls that were in flight are sent again with their request ids: the
    /// manager that took over answers a call the lost one had applied with its reply from the
    /// shared journal, so nothing is applied twice and nothing acknowledged is lost.
    /// ``address`` says which address serves now; ``events`` report each failover
    /// (`reconnected to the manager at B after the one at A was lost`).
    ///
    /// With one address this is ``connect(to:authkey:tls:sessionID:maxFrameSize:reconnectWindow:handshakeTimeout:logger:)``
    /// with that address: no role is asked.
    ///
    /// ```swift
    /// let connection = try await ManagerConnection.connect(
    ///     to: [.hostname("jobs-a.example.com", port: 50000), .hostname("jobs-b.example.com", port: 50000)],
    ///     authkey: key
    /// )
    /// print("connected to \(connection.address)")
    /// ```
    /// - Parameters:
    ///   - addresses: Where the managers listen, in the order to try them; at least one.
    ///   - authkey: The managers' authkey.
    ///   - tls: TLS for managers that serve it on these TCP addresses, made for each address's host.
    ///   - sessionID: The session to open or resume; a new random one by default.
    ///   - maxFrameSize: The largest reply accepted.
    ///   - reconnectWindow: How long to go round the addresses, at the first connect and after
    ///     the connection is lost.
    ///   - handshakeTimeout: How long to wait for each address to accept the connection and
    ///     the authkey.
    /// - Throws: ``ManagerError`` `.connectionLost` naming every address and why it failed
    ///   when none served within `reconnectWindow`; `.authenticationFailed` or `.tlsFailure`
    ///   when every address refused the key or the certificate in one round (waiting does not
    ///   heal that); `.valueError` for an empty list or an unusable TLS file.
    public static func connect(
        to addresses: [ManagerAddress],
        authkey: Authkey,
        tls: TLS? = nil,
        sessionID: String = randomSessionID(),
        maxFrameSize: Int = 64 << 20,
        reconnectWindow: Duration = .seconds(30),
        handshakeTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "durablemanager.client", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws(ManagerError) -> ManagerConnection {
        guard !addresses.isEmpty else { throw ManagerError(.valueError, "connecting needs at least one manager address") }
        var endpoints: [Endpoint] = []
        for address in addresses { endpoints.append(Endpoint(address: address, tls: try tls?.prepare(for: address))) }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let link: Link
        if endpoints.count == 1 {
            do {
                link = try await open(endpoints[0], on: loop, authkey: authkey, sessionID: sessionID, maxFrameSize: maxFrameSize, timeout: handshakeTimeout, checkingRole: false)
            } catch {
                throw error.managerError
            }
        } else {
            link = try await openServing(
                endpoints, startingAt: 0, window: reconnectWindow, on: loop, authkey: authkey, sessionID: sessionID,
                maxFrameSize: maxFrameSize, handshakeTimeout: handshakeTimeout
            )
        }
        return ManagerConnection(
            link: link, loop: loop, endpoints: endpoints, authkey: authkey, sessionID: sessionID, maxFrameSize: maxFrameSize,
            reconnectWindow: reconnectWindow, handshakeTimeout: handshakeTimeout, logger: logger
        )
    }

    /// Why an address gave no link: unreachable (what `connectionLost` words), or refused.
    private struct OpenFailure: Error {
        let address: ManagerAddress
        /// What happened, for people; names no more than the one address.
        let reason: String
        /// The manager's own refusal (a wrong key, TLS, a standby); nil when it was not reached.
        let refusal: ManagerError?

        var managerError: ManagerError { refusal ?? .connectionLost(to: address, because: reason, inFlight: false) }
        /// Waiting does not heal it: a wrong key, or a certificate that does not verify.
        var isPermanent: Bool { refusal.map { $0.code == .authenticationFailed || $0.code == .tlsFailure } ?? false }
    }

    /// The request id of the `ping` that asks a manager its role. It is none of the session's
    /// own ids, which stay the caller's (`durablectl call --idempotency-key` makes its one call
    /// as request 1): a manager keeps no reply of a ping, so this id is never answered from
    /// memory, and it is never in flight twice, since the check waits for its reply.
    private static let roleCheckRequestID = UInt64.max

    /// Opens a link to `endpoint`; with `checkingRole`, only to a manager that serves (not a
    /// standby).
    private static func open(
        _ endpoint: Endpoint, on loop: any EventLoop, authkey: Authkey, sessionID: String, maxFrameSize: Int, timeout: Duration,
        checkingRole: Bool
    ) async throws(OpenFailure) -> Link {
        let address = endpoint.address
        let tls = endpoint.tls
        let ready = loop.makePromise(of: UInt64.self)
        let (seconds, attoseconds) = timeout.components
        let limit = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        // A manager that serves TLS waits for this client's TLS hello, and this client for its
        // challenge: in clear, that is a silence, not an error.
        let tlsHint = address.isTCP && tls == nil ? ", or does it serve TLS (connect with its CA, --tls-ca)?" : "?"
        let expiry = loop.scheduleTask(in: limit) {
            ready.fail(ManagerError(.connectionLost, "the manager at \(address) did not answer within \(timeout); is it stopped or overloaded\(tlsHint)"))
        }
        ready.futureResult.whenComplete { _ in expiry.cancel() }
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(limit)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try tls.makeHandler()) }
                    try channel.pipeline.syncOperations.addHandlers([
                        MessageToByteHandler(MessageFrameEncoder()),
                        ByteToMessageHandler(MessageFrameDecoder(maxFrameSize: maxFrameSize, maxValueDepth: ValueNesting.stored)),
                        ClientConnectionHandler(authkey: authkey, sessionID: sessionID, ready: ready, tls: tls, address: address),
                    ])
                }
            }
        let channel: any Channel
        let handler: NIOLoopBound<ClientConnectionHandler>
        do {
            channel = try await bootstrap.connect(to: address).get()
            handler = try await channel.pipeline.handler(type: ClientConnectionHandler.self).map {
                NIOLoopBound($0, eventLoop: loop)
            }.get()
        } catch {
            ready.fail(error)
            // A manager that refuses the handshake at once (a wrong authkey) can close the channel
            // before its handler is looked up: the refusal is the reason, not the missing handler.
            do {
                _ = try await ready.futureResult.get()
            } catch let refusal as ManagerError where refusal.code != .connectionLost {
                throw OpenFailure(address: address, reason: refusal.message, refusal: refusal)
            } catch {}
            throw OpenFailure(address: address, reason: "cannot connect: \(error)", refusal: nil)
        }
        let link: Link
        do {
            let epoch = try await ready.futureResult.get()
            link = Link(channel: channel, handler: handler, epoch: epoch, address: address)
        } catch {
            try? await channel.close()
            guard let refusal = error as? ManagerError, refusal.code != .connectionLost else {
                throw OpenFailure(address: address, reason: "the handshake failed: \((error as? ManagerError)?.message ?? "\(error)")", refusal: nil)
            }
            throw OpenFailure(address: address, reason: refusal.message, refusal: refusal)
        }
        guard checkingRole else { return link }
        let role: ManagerRole
        switch await send(Request(id: roleCheckRequestID, target: 0, method: "ping", arguments: []), on: link) {
        case .success(let reply):
            role = ManagerRole(pingReply: reply)
        case .failure(let error):
            try? await channel.close()
            throw OpenFailure(address: address, reason: "its manager did not answer ping: \(error.message)", refusal: nil)
        }
        guard role != .standby else {
            try? await channel.close()
            let refusal = ManagerError(.standby, "the manager at \(address) is a standby: it serves nothing until it takes over its journal")
            throw OpenFailure(address: address, reason: "its manager is a standby", refusal: refusal)
        }
        return link
    }

    /// Tries `endpoints` in turn from `first`, round and round with a growing pause between
    /// rounds, until one's manager serves and `accept` takes its link, or `window` has passed
    /// (the round under way is finished first), or `isClosed` says the client gave up.
    ///
    /// With one endpoint this is a plain retry loop, as it was before standbys: a refused key or
    /// certificate ends it at once. With several, a standby is skipped, and only a round in
    /// which every address refused the key or certificate ends it early: one address that does
    /// could be another service, and the next may serve.
    /// - Throws: ``ManagerError`` `.connectionLost` whose message is only the reason (the
    ///   caller words it for a first connect or a reconnect); the refusal when it is permanent.
    private static func openServing(
        _ endpoints: [Endpoint], startingAt first: Int, window: Duration, on loop: any EventLoop, authkey: Authkey, sessionID: String,
        maxFrameSize: Int, handshakeTimeout: Duration, isClosed: () -> Bool = { false },
        accept: (Link) async throws(ManagerError) -> Void = { _ in }
    ) async throws(ManagerError) -> Link {
        let failsOver = endpoints.count > 1
        let clock = ContinuousClock()
        let deadline = clock.now + window
        var pause = Duration.milliseconds(20)
        while true {
            var failures: [OpenFailure] = []
            for offset in endpoints.indices where !isClosed() {
                let endpoint = endpoints[(first + offset) % endpoints.count]
                do throws(OpenFailure) {
                    let link = try await open(
                        endpoint, on: loop, authkey: authkey, sessionID: sessionID, maxFrameSize: maxFrameSize, timeout: handshakeTimeout,
                        checkingRole: failsOver
                    )
                    do {
                        try await accept(link)
                    } catch {
                        try? await link.channel.close()
                        throw OpenFailure(address: endpoint.address, reason: error.message, refusal: error.code == .standby ? error : nil)
                    }
                    return link
                } catch where !failsOver && error.isPermanent {
                    // Neither a wrong key nor a certificate that does not verify heals by waiting.
                    throw error.managerError
                } catch {
                    failures.append(error)
                }
            }
            if failsOver, !failures.isEmpty, failures.count == endpoints.count, failures.allSatisfy(\.isPermanent), let refusal = failures[0].refusal {
                throw ManagerError(refusal.code, "every manager address refused this client: \(Self.reasons(failures))")
            }
            guard clock.now + pause < deadline, !isClosed(), !Task.isCancelled else {
                let reason = failsOver
                    ? "no manager at \(list(endpoints)) served within \(window): \(Self.reasons(failures))"
                    : "the manager did not come back within \(window): \(failures.last?.managerError.message ?? "the client closed the connection")"
                throw ManagerError(.connectionLost, reason)
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(1))
        }
    }

    /// Each address and why it failed, for people.
    private static func reasons(_ failures: [OpenFailure]) -> String {
        failures.map { "\($0.address): \($0.reason)" }.joined(separator: "; ")
    }

    /// The open link, reconnecting first if the channel went down.
    private func currentLink() async throws(ManagerError) -> Link {
        let (link, closed) = state.withLock { ($0.link, $0.closed) }
        if closed { throw .connectionLost(to: link.address, because: "this client closed it", inFlight: false) }
        if link.channel.isActive { return link }
        let reconnect = state.withLock { state in
            if let running = state.reconnecting { return running }
            let started = Task { try await self.reconnect() }
            state.reconnecting = started
            return started
        }
        do {
            return try await reconnect.value
        } catch {
            throw error as? ManagerError ?? .connectionLost(to: link.address, because: "cannot reconnect: \(error)", inFlight: false)
        }
    }

    /// Retries the connection (same session) with a growing pause until the window closes, then
    /// tells the manager which objects this process still holds proxies to. With several
    /// addresses it starts at the one after the address lost: that one is the least likely to
    /// serve now, and a host that is down costs a whole handshake timeout to find out.
    private func reconnect() async throws -> Link {
        defer { state.withLock { $0.reconnecting = nil } }
        let lost = state.withLock { $0.link }
        let previousEpoch = lost.epoch
        let lostIndex = endpoints.firstIndex { $0.address == lost.address } ?? 0
        let link: Link
        do {
            link = try await Self.openServing(
                endpoints, startingAt: failsOver ? lostIndex + 1 : 0, window: reconnectWindow, on: loop, authkey: authkey, sessionID: sessionID,
                maxFrameSize: maxFrameSize, handshakeTimeout: handshakeTimeout, isClosed: { self.state.withLock { $0.closed } }
            ) { link throws(ManagerError) in
                let held = liveProxies.withLock { proxies in
                    Value.map(.init(uniqueKeysWithValues: proxies.map { (Value.int(Int64(bitPattern: $0.key)), Value.int(Int64($0.value))) }))
                }
                _ = try await Self.send(Request(id: nextID(), target: 0, method: "adopt", arguments: [held]), on: link).get()
            }
        } catch {
            guard error.code == .connectionLost else { throw error }
            if !state.withLock({ $0.closed }) {
                report(ConnectionEvent(kind: .gaveUp, epoch: previousEpoch, previousEpoch: previousEpoch, object: nil, message: "\(error.message); the next call tries again"))
            }
            throw ManagerError.connectionLost(to: lost.address, because: error.message, inFlight: false)
        }
        state.withLock { state in
            state.link = link
            // The demoted channel's end is reported by now; its identifier may name a new one.
            state.demoted = nil
        }
        watch(link)
        let reached = link.address == lost.address
            ? "reconnected to the manager at \(link.address)"
            : "reconnected to the manager at \(link.address) after the one at \(lost.address) was lost"
        if link.epoch == previousEpoch {
            report(ConnectionEvent(
                kind: .reconnected, epoch: link.epoch, previousEpoch: previousEpoch, object: nil,
                message: "\(reached), which did not restart"
            ))
        } else {
            report(ConnectionEvent(
                kind: .managerRestarted, epoch: link.epoch, previousEpoch: previousEpoch, object: nil,
                message: "\(reached), which restarted (epoch \(previousEpoch) -> \(link.epoch)): durable objects are as they were; in-memory ones came back empty, named ones reopen by themselves"
            ))
        }
        return link
    }

    /// A new random session id.
    public static func randomSessionID() -> String {
        Authkey.randomNonce().prefix(16).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Calls `method` on object `target` (0 is the manager itself) and waits for the reply.
    /// - Throws: ``ManagerError`` from the manager, or `.connectionLost`.
    ///
    /// A call whose connection drops before its reply is sent again, with the same request id,
    /// once the connection is back: the manager answers a call it already made with its first
    /// reply, so nothing is applied twice, and a parked call (`get`, `acquire`) parks again. The
    /// caller sees `.connectionLost` only when the manager does not come back within the
    /// reconnect window. With several addresses, a call answered `.standby` (its manager was
    /// deposed) is sent again the same way, to the manager that serves now.
    public func call(_ target: UInt64, _ method: String, _ arguments: [Value]) async throws(ManagerError) -> Value {
        let id = requests.withLock { requests in
            defer { requests.next += 1 }
            requests.inFlight.append(requests.next)
            return requests.next
        }
        defer {
            requests.withLock { requests in
                if let index = requests.inFlight.firstIndex(of: id) { requests.inFlight.remove(at: index) }
            }
        }
        var request = Request(id: id, target: target, method: method, arguments: arguments, owner: Self.currentOwner())
        var giveUpAt: ContinuousClock.Instant?
        while true {
            let link: Link
            do {
                link = try await currentLink()
            } catch where error.code == .connectionLost && giveUpAt != nil {
                // It was sent before the connection dropped: say so, whatever the reconnection says.
                throw .connectionLost(to: address, because: "the manager did not come back within \(reconnectWindow)", inFlight: true)
            }
            request.acknowledgedBelow = requests.withLock { $0.inFlight.first ?? $0.next }
            let result = await Self.send(request, on: link)
            guard case .failure(let error) = result, !state.withLock({ $0.closed }) else { return try result.get() }
            switch error.code {
            case .connectionLost:
                break
            case .standby where failsOver:
                // The manager was deposed under this client: a standby took over its journal.
                // It applied nothing, so the call goes to whichever manager serves now, as a
                // dropped connection's call does; with one address there is nowhere to go.
                await demote(link)
            default:
                throw error
            }
            // A connection that keeps dropping right after it comes back (a manager that dies on
            // this very call) is given up on after one reconnect window, as a dead one is.
            let now = ContinuousClock.now
            if let giveUpAt, now >= giveUpAt { throw error }
            giveUpAt = giveUpAt ?? now + reconnectWindow
        }
    }

    private func nextID() -> UInt64 {
        requests.withLock { requests in
            defer { requests.next += 1 }
            return requests.next
        }
    }

    /// Closes `link` because its manager answered as a standby, so that the reconnect that
    /// follows (which skips standbys) finds the manager that serves now.
    private func demote(_ link: Link) async {
        state.withLock { $0.demoted = ObjectIdentifier(link.channel) }
        try? await link.channel.close()
    }

    private static func send(_ request: Request, on link: Link) async -> Result<Value, ManagerError> {
        let handler = link.handler
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (reply: ClientConnectionHandler.Reply) in
                // On the connection's thread (a caller preferring ``executor``), the request is
                // written now; a reply then resumes the caller there too, and no thread wakes up.
                if handler.eventLoop.inEventLoop {
                    handler.value.send(request, reply: reply)
                } else {
                    handler.eventLoop.execute { handler.value.send(request, reply: reply) }
                }
            }
        } onCancel: {
            handler.eventLoop.execute { handler.value.sendOneWay(.cancel(id: request.id)) }
        }
    }

    /// Where decoding finds the connection, so that references in replies become proxies.
    static let userInfoKey = CodingUserInfoKey(rawValue: "DurableManager.connection")!
    /// Where decoding finds the name an object was opened by, for the proxy's handle.
    static let openedNameKey = CodingUserInfoKey(rawValue: "DurableManager.openedName")!

    /// Decodes a reply on this connection: references in it become proxies.
    /// - Parameter opened: The name and creator's arguments of the object the reply opened.
    /// - Throws: ``ManagerError`` `TypeError` when the reply is not a `type`.
    func decode<T: Decodable>(_ type: T.Type, from value: Value, opened: OpenedName? = nil) throws(ManagerError) -> T {
        var decoder = ValueDecoder()
        switch value {
        case .null, .bool, .int, .double, .string, .bytes:
            // Nothing in it becomes a proxy: no user info to build for it.
            break
        case .array, .map, .reference:
            decoder.userInfo[Self.userInfoKey] = self
            if let opened { decoder.userInfo[Self.openedNameKey] = opened }
        }
        do {
            return try decoder.decode(type, from: value)
        } catch {
            throw ManagerError(.wrongType, "the manager's reply cannot be read as \(type): \(error)")
        }
    }

    /// A proxy to `objectID` was made in this process.
    func retain(_ objectID: UInt64) {
        liveProxies.withLock { $0[objectID, default: 0] += 1 }
    }

    /// Tells the manager this client dropped a proxy to `objectID`.
    func release(_ objectID: UInt64) {
        liveProxies.withLock { proxies in
            if let count = proxies[objectID], count > 1 { proxies[objectID] = count - 1 } else { proxies[objectID] = nil }
        }
        forget(objectID)
    }

    /// Tells the manager this client holds one proxy fewer to `objectID` than it counted, without
    /// changing this process's own count (a named object opened twice at once after a restart).
    func forget(_ objectID: UInt64) {
        let handler = state.withLock { $0.link.handler }
        handler.eventLoop.execute { handler.value.sendOneWay(.release(objects: [objectID])) }
    }

    /// Closes the connection for good; calls in flight fail with `.connectionLost`.
    public func close() async {
        let channel = state.withLock { state in
            state.closed = true
            return state.link.channel
        }
        try? await channel.close()
        eventSource.finish()
    }

    /// Lock ownership follows the calling task, as a Python lock's follows the thread: two tasks
    /// of one process exclude each other on an RLock.
    private static func currentOwner() -> UInt64 {
        // The task's address: what its hash is made of, without hashing it at every call.
        withUnsafeCurrentTask { task in task.map { UInt64(UInt(bitPattern: unsafeBitCast($0, to: Int.self))) } ?? 0 }
    }
}

extension ClientBootstrap {
    fileprivate func connect(to address: ManagerAddress) -> EventLoopFuture<any Channel> {
        switch address.kind {
        case .unix(let path): connect(unixDomainSocketPath: path)
        case .tcp(let host, let port): connect(host: host, port: port)
        }
    }
}
