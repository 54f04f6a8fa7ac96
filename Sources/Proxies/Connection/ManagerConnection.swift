public import DurableWire
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
    private let channel: any Channel
    private let handler: NIOLoopBound<ClientConnectionHandler>
    private let nextRequestID = Atomic<UInt64>(1)
    /// The manager run this connection talks to.
    public let epoch: UInt64
    /// Where the manager listens.
    public let address: ManagerAddress

    private init(channel: any Channel, handler: NIOLoopBound<ClientConnectionHandler>, epoch: UInt64, address: ManagerAddress) {
        self.channel = channel
        self.handler = handler
        self.epoch = epoch
        self.address = address
    }

    /// Connects and runs the authkey handshake.
    /// - Parameters:
    ///   - address: Where the manager listens.
    ///   - authkey: The manager's authkey.
    ///   - sessionID: The session to open or resume; a new random one by default.
    ///   - maxFrameSize: The largest reply accepted.
    /// - Throws: ``ManagerError`` with `.authenticationFailed` for a wrong key, `.connectionLost`
    ///   when nothing listens there.
    public static func connect(
        to address: ManagerAddress,
        authkey: Authkey,
        sessionID: String = randomSessionID(),
        maxFrameSize: Int = 64 << 20
    ) async throws(ManagerError) -> ManagerConnection {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let ready = loop.makePromise(of: UInt64.self)
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        MessageToByteHandler(MessageFrameEncoder()),
                        ByteToMessageHandler(MessageFrameDecoder(maxFrameSize: maxFrameSize)),
                        ClientConnectionHandler(authkey: authkey, sessionID: sessionID, ready: ready),
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
            throw ManagerError(.connectionLost, "cannot connect to a manager at \(address): \(error)")
        }
        do {
            let epoch = try await ready.futureResult.get()
            return ManagerConnection(channel: channel, handler: handler, epoch: epoch, address: address)
        } catch {
            try? await channel.close()
            throw error as? ManagerError ?? ManagerError(.connectionLost, "the handshake with \(address) failed: \(error)")
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
    public func call(_ target: UInt64, _ method: String, _ arguments: [Value]) async throws(ManagerError) -> Value {
        let id = nextRequestID.wrappingAdd(1, ordering: .relaxed).oldValue
        let request = Request(id: id, target: target, method: method, arguments: arguments, owner: Self.currentOwner())
        let handler = handler
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (reply: ClientConnectionHandler.Reply) in
                handler.eventLoop.execute { handler.value.send(request, reply: reply) }
            }
        } onCancel: {
            handler.eventLoop.execute { handler.value.sendOneWay(.cancel(id: id)) }
        }
        return try result.get()
    }

    /// Where decoding finds the connection, so that references in replies become proxies.
    static let userInfoKey = CodingUserInfoKey(rawValue: "DurableManager.connection")!

    /// Decodes replies on this connection.
    var decoder: ValueDecoder {
        var decoder = ValueDecoder()
        decoder.userInfo[Self.userInfoKey] = self
        return decoder
    }

    /// Tells the manager this client dropped a proxy to `objectID`.
    func release(_ objectID: UInt64) {
        let handler = handler
        handler.eventLoop.execute { handler.value.sendOneWay(.release(objects: [objectID])) }
    }

    /// Closes the connection; calls in flight fail with `.connectionLost`.
    public func close() async {
        try? await channel.close()
    }

    /// Lock ownership follows the calling task, as a Python lock's follows the thread: two tasks
    /// of one process exclude each other on an RLock.
    private static func currentOwner() -> UInt64 {
        withUnsafeCurrentTask { task in task.map { UInt64(truncatingIfNeeded: $0.hashValue) } ?? 0 }
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
