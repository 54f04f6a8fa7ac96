import DurableWire
import Logging
import NIOCore

/// The manager's end of one client connection: the authkey handshake, then every request,
/// dispatched straight into the store on this event loop (no task per request).
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = InboundFrame
    typealias OutboundOut = WireMessage

    private enum State {
        case idle
        /// The challenge is out; the client must answer it with the authkey.
        case awaitingResponse(nonce: [UInt8], timeout: Scheduled<Void>)
        case open(Session, ClientLink)
        case closed
    }

    private var state = State.idle
    private let store: ObjectStore
    private let authkey: Authkey
    private let handshakeTimeout: TimeAmount
    private let throttle: LoginThrottle
    private var logger: Logger
    /// Who the peer is for the login throttle: a TCP peer's IP, or every local peer as one.
    private var peerAddress = "local"

    init(store: ObjectStore, authkey: Authkey, handshakeTimeout: TimeAmount, throttle: LoginThrottle, logger: Logger) {
        self.store = store
        self.authkey = authkey
        self.handshakeTimeout = handshakeTimeout
        self.throttle = throttle
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        if let ip = context.remoteAddress?.ipAddress { peerAddress = ip }
        logger[metadataKey: "peer"] = "\(context.remoteAddress.map { "\($0)" } ?? "unix")"
        let nonce = Authkey.randomNonce()
        let channel = context.channel
        let timeout = context.eventLoop.scheduleTask(in: handshakeTimeout) { channel.close(promise: nil) }
        state = .awaitingResponse(nonce: nonce, timeout: timeout)
        context.writeAndFlush(wrapOutboundOut(.challenge(version: WireMessage.protocolVersion, nonce: nonce)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch (state, frame) {
        case (.open(let session, let link), .message(let message)):
            link.beginReadBurst()
            switch message {
            case .request(let request):
                guard link.accept(requestID: request.id) else { return }
                store.dispatch(request, session: session, link: link)
            case .cancel(let id):
                link.cancel(requestID: id)
            case .release(let objects):
                store.release(objects, from: session)
            case .challenge, .response, .welcome, .reply:
                link.refuse(requestID: 0, ManagerError(.protocolError, "unexpected \(message) after the handshake"))
            }
        case (.open(_, let link), .undecodable(let requestID, let error)):
            link.beginReadBurst()
            logger.notice("undecodable frame", metadata: ["error": "\(error)"])
            link.refuse(requestID: requestID ?? 0, ManagerError(.protocolError, "the request could not be read: \(error)"))
        case (.awaitingResponse(let nonce, let timeout), .message(.response(let mac, let clientNonce, let sessionID))):
            timeout.cancel()
            let now = NIODeadline.now()
            if let wait = throttle.lockout(for: peerAddress, now: now) {
                state = .closed
                refuse(context, ManagerError(
                    .authenticationFailed,
                    "too many failed logins from \(peerAddress); logins from it are refused for \(wait.nanoseconds / 1_000_000_000 + 1) s more"
                ))
                return
            }
            guard authkey.isValid(mac: mac, for: nonce) else {
                if let note = throttle.failed(peerAddress, now: now) {
                    logger.warning("refused a client: wrong authkey", metadata: [
                        "failures": "\(note.failures)",
                        "lockedOutSeconds": "\(note.lockedFor.map { "\($0.nanoseconds / 1_000_000_000)" } ?? "0")",
                    ])
                }
                state = .closed
                refuse(context, ManagerError(.authenticationFailed, "the authkey does not match the manager's; check --authkey-file"))
                return
            }
            throttle.succeeded(peerAddress)
            // Every journal must store the id with the records of its calls: PostgreSQL's text
            // holds no NUL, and an empty id would read back as "no caller".
            guard (1...256).contains(sessionID.utf8.count), !sessionID.unicodeScalars.contains("\0") else {
                state = .closed
                refuse(context, ManagerError(.protocolError, "a session id is 1 to 256 bytes of UTF-8 without NUL"))
                return
            }
            if let guardHandler = try? context.pipeline.syncOperations.handler(type: LoginFrameGuard.self) {
                context.pipeline.syncOperations.removeHandler(guardHandler, promise: nil)
            }
            let session = store.openSession(id: sessionID)
            state = .open(session, ClientLink(context: context, journal: store.journal))
            logger.debug("client connected", metadata: ["session": "\(sessionID)"])
            context.writeAndFlush(wrapOutboundOut(.welcome(mac: authkey.mac(for: clientNonce), epoch: store.epoch)), promise: nil)
        case (.awaitingResponse(_, let timeout), _):
            timeout.cancel()
            state = .closed
            refuse(context, ManagerError(.protocolError, "expected the handshake response first"))
        case (.idle, _), (.closed, _):
            break
        }
    }

    /// A client that does not read its replies stops being read.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.readOnlyWhileWritable()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .open(_, let link) = state { link.endReadBurst() }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .open(let session, let link) = state {
            link.close()
            store.connectionClosed(session)
            logger.debug("client disconnected", metadata: ["session": "\(session.id)"])
        }
        if case .awaitingResponse(_, let timeout) = state { timeout.cancel() }
        state = .closed
        context.fireChannelInactive()
    }

    /// A frame over the size limit (or a failing socket): the stream cannot be trusted past it,
    /// so the client is told why and the connection closes. Other clients never notice.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? ManagerError {
            logger.notice("closing a connection", metadata: ["error": "\(error)"])
            refuse(context, error)
        } else {
            logger.debug("connection error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    private func refuse(_ context: ChannelHandlerContext, _ error: ManagerError) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.reply(id: 0, result: .failure(error)))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
