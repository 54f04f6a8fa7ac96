import DurableWire
import NIOCore

/// The client's end of a connection: proves the authkey, checks the manager proves it back,
/// then matches every reply to its caller by request id. Many calls are in flight at once, so a
/// parked `get` holds up nothing else on the connection.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = InboundFrame
    typealias OutboundOut = WireMessage
    typealias Reply = CheckedContinuation<Result<Value, ManagerError>, Never>

    private enum State {
        case awaitingChallenge
        /// The response is out; the manager must answer the client's nonce.
        case awaitingWelcome(nonce: [UInt8])
        case open
        case closed(ManagerError)
    }

    private var state = State.awaitingChallenge
    private let authkey: Authkey
    private let sessionID: String
    /// Completed with the manager's epoch when the handshake succeeds.
    private let ready: EventLoopPromise<UInt64>
    private var pending: [UInt64: Reply] = [:]
    /// A flush is scheduled for requests written since the last one.
    private var flushScheduled = false
    private var context: ChannelHandlerContext?
    /// The connection's TLS, which words a failed handshake for the caller; nil in clear.
    private let tls: ClientTLS?
    private let address: ManagerAddress

    init(authkey: Authkey, sessionID: String, ready: EventLoopPromise<UInt64>, tls: ClientTLS?, address: ManagerAddress) {
        self.authkey = authkey
        self.sessionID = sessionID
        self.ready = ready
        self.tls = tls
        self.address = address
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Sends `request`; `reply` is resumed once, with the manager's answer or the reason the
    /// connection failed.
    func send(_ request: Request, reply: Reply) {
        guard case .open = state, let context else {
            reply.resume(returning: .failure(closedError))
            return
        }
        let alone = pending.isEmpty
        pending[request.id] = reply
        guard alone else {
            // Other calls are in flight, and their callers, resumed by the replies read in this
            // pass, write their next requests now: one flush after them sends them all in one
            // system call.
            context.write(wrapOutboundOut(.request(request)), promise: nil)
            scheduleFlush(context)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.request(request)), promise: nil)
    }

    private func scheduleFlush(_ context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = bound.value
            handler.flushScheduled = false
            if handler.context != nil { context.flush() }
        }
    }

    /// Sends a message that has no reply (`cancel`, `release`); dropped if the connection is gone.
    func sendOneWay(_ message: WireMessage) {
        guard case .open = state, let context else { return }
        context.writeAndFlush(wrapOutboundOut(message), promise: nil)
    }

    /// Why a call could not be sent.
    private var closedError: ManagerError {
        guard case .closed(let error) = state else {
            return .connectionLost(to: address, because: "the connection is not open yet", inFlight: false)
        }
        return error.code == .connectionLost ? .connectionLost(to: address, because: error.message, inFlight: false) : error
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (state, unwrapInboundIn(data)) {
        case (.open, .message(.reply(let id, let result))) where id != 0:
            pending.removeValue(forKey: id)?.resume(returning: result)
        case (_, .message(.reply(0, .failure(let error)))):
            // The manager refused the connection or is about to close it; say why to everyone.
            fail(error)
            context.close(promise: nil)
        case (.awaitingChallenge, .message(.challenge(let version, let nonce))):
            guard version == WireMessage.protocolVersion else {
                fail(ManagerError(.protocolError, "the manager speaks protocol \(version), this client \(WireMessage.protocolVersion); use matching versions"))
                context.close(promise: nil)
                return
            }
            let ours = Authkey.randomNonce()
            state = .awaitingWelcome(nonce: ours)
            context.writeAndFlush(wrapOutboundOut(.response(mac: authkey.mac(for: nonce), nonce: ours, session: sessionID)), promise: nil)
        case (.awaitingWelcome(let nonce), .message(.welcome(let mac, let epoch))):
            guard authkey.isValid(mac: mac, for: nonce) else {
                fail(ManagerError(.authenticationFailed, "the manager could not prove it holds the authkey: is this the right address?"))
                context.close(promise: nil)
                return
            }
            state = .open
            ready.succeed(epoch)
        case (_, let frame):
            fail(ManagerError(.protocolError, "unexpected frame from the manager: \(frame)"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(ManagerError(.connectionLost, "the connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let tls, let failure = TLSFailure(error), !failure.isEndOfStream {
            fail(tls.error(for: failure, at: address))
        } else {
            fail(error as? ManagerError ?? ManagerError(.connectionLost, "the connection failed: \(error)"))
        }
        context.close(promise: nil)
    }

    /// Fails the handshake and every call in flight with the first reason the connection ended;
    /// a lost connection tells each call it was in flight.
    private func fail(_ error: ManagerError) {
        if case .closed = state { return }
        state = .closed(error)
        ready.fail(error)
        let waiting = pending
        pending = [:]
        let replyError = error.code == .connectionLost ? .connectionLost(to: address, because: error.message, inFlight: true) : error
        for reply in waiting.values { reply.resume(returning: .failure(replyError)) }
    }
}
