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
public final class ManagerConnection: Sendable {
    /// One authenticated channel to the manager.
    private struct Link: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<ClientConnectionHandler>
        let epoch: UInt64
    }

    private struct State: Sendable {
        var link: Link
        var closed = false
        /// The reconnect every caller waits for after the channel went down.
        var reconnecting: Task<Link, any Error>?
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
    /// Made once at connect, so every reconnect speaks TLS with the same files.
    private let tls: ClientTLS?
    private let maxFrameSize: Int
    /// How long calls wait for the manager to come back after the connection dropped.
    private let reconnectWindow: Duration
    private let handshakeTimeout: Duration
    /// This client's session: the same one across reconnects.
    public let sessionID: String
    private let logger: Logger
    /// What happened to the connection, for ``events``.
    let eventSource = ConnectionEvents()
    /// Where the manager listens.
    public let address: ManagerAddress
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
        link: Link, loop: any EventLoop, address: ManagerAddress, authkey: Authkey, tls: ClientTLS?, sessionID: String, maxFrameSize: Int,
        reconnectWindow: Duration, handshakeTimeout: Duration, logger: Logger
    ) {
        self.state = Mutex(State(link: link))
        self.loop = loop
        self.executor = ConnectionExecutor(loop: loop)
        self.address = address
        self.authkey = authkey
        self.tls = tls
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
            guard let self, !self.state.withLock({ $0.closed }) else { return }
            self.report(ConnectionEvent(
                kind: .disconnected, epoch: link.epoch, previousEpoch: link.epoch, object: nil,
                message: "the connection to the manager at \(self.address) dropped; reconnecting for up to \(self.reconnectWindow)"
            ))
            Task { _ = try? await self.currentLink() }
        }
    }

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
        let prepared = try tls?.prepare(for: address)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let link = try await open(
            address, on: loop, authkey: authkey, tls: prepared, sessionID: sessionID, maxFrameSize: maxFrameSize, timeout: handshakeTimeout
        )
        return ManagerConnection(
            link: link, loop: loop, address: address, authkey: authkey, tls: prepared, sessionID: sessionID, maxFrameSize: maxFrameSize,
            reconnectWindow: reconnectWindow, handshakeTimeout: handshakeTimeout, logger: logger
        )
    }

    private static func open(
        _ address: ManagerAddress, on loop: any EventLoop, authkey: Authkey, tls: ClientTLS?, sessionID: String, maxFrameSize: Int,
        timeout: Duration
    ) async throws(ManagerError) -> Link {
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
                throw refusal
            } catch {}
            throw .connectionLost(to: address, because: "cannot connect: \(error)", inFlight: false)
        }
        do {
            let epoch = try await ready.futureResult.get()
            return Link(channel: channel, handler: handler, epoch: epoch)
        } catch {
            try? await channel.close()
            guard let refusal = error as? ManagerError, refusal.code != .connectionLost else {
                throw .connectionLost(to: address, because: "the handshake failed: \((error as? ManagerError)?.message ?? "\(error)")", inFlight: false)
            }
            throw refusal
        }
    }

    /// The open link, reconnecting first if the channel went down.
    private func currentLink() async throws(ManagerError) -> Link {
        let (link, closed) = state.withLock { ($0.link, $0.closed) }
        if closed { throw .connectionLost(to: address, because: "this client closed it", inFlight: false) }
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
            throw error as? ManagerError ?? .connectionLost(to: address, because: "cannot reconnect: \(error)", inFlight: false)
        }
    }

    /// Retries the connection (same session) with a growing pause until the window closes, then
    /// tells the manager which objects this process still holds proxies to.
    private func reconnect() async throws -> Link {
        defer { state.withLock { $0.reconnecting = nil } }
        let previousEpoch = epoch
        let clock = ContinuousClock()
        let deadline = clock.now + reconnectWindow
        var pause = Duration.milliseconds(20)
        while true {
            do {
                let link = try await Self.open(
                    address, on: loop, authkey: authkey, tls: tls, sessionID: sessionID, maxFrameSize: maxFrameSize, timeout: handshakeTimeout
                )
                let held = liveProxies.withLock { proxies in
                    Value.map(.init(uniqueKeysWithValues: proxies.map { (Value.int(Int64(bitPattern: $0.key)), Value.int(Int64($0.value))) }))
                }
                _ = try await send(Request(id: nextID(), target: 0, method: "adopt", arguments: [held]), on: link).get()
                state.withLock { $0.link = link }
                watch(link)
                if link.epoch == previousEpoch {
                    report(ConnectionEvent(
                        kind: .reconnected, epoch: link.epoch, previousEpoch: previousEpoch, object: nil,
                        message: "reconnected to the manager at \(address), which did not restart"
                    ))
                } else {
                    report(ConnectionEvent(
                        kind: .managerRestarted, epoch: link.epoch, previousEpoch: previousEpoch, object: nil,
                        message: "reconnected to the manager at \(address), which restarted (epoch \(previousEpoch) -> \(link.epoch)): durable objects are as they were; in-memory ones came back empty, named ones reopen by themselves"
                    ))
                }
                return link
            } catch where error.code == .authenticationFailed || error.code == .tlsFailure {
                // Neither a wrong key nor a certificate that does not verify heals by waiting.
                throw error
            } catch {
                guard clock.now + pause < deadline, !state.withLock({ $0.closed }) else {
                    let reason = "the manager did not come back within \(reconnectWindow): \(error.message)"
                    if !state.withLock({ $0.closed }) {
                        report(ConnectionEvent(kind: .gaveUp, epoch: previousEpoch, previousEpoch: previousEpoch, object: nil, message: "\(reason); the next call tries again"))
                    }
                    throw ManagerError.connectionLost(to: address, because: reason, inFlight: false)
                }
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(1))
            }
        }
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
    /// reconnect window.
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
            let result = await send(request, on: link)
            guard case .failure(let error) = result, error.code == .connectionLost, !state.withLock({ $0.closed }) else {
                return try result.get()
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

    private func send(_ request: Request, on link: Link) async -> Result<Value, ManagerError> {
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
