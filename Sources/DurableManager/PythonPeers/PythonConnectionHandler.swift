import DurableWire
import Logging
import NIOCore
import PythonProtocol

/// The manager's end of one CPython `multiprocessing.connection` connection: the authkey
/// handshake both ways, then CPython's server functions (`create`, `incref`, ...), and after
/// `accept_connection` the method calls of one client thread, dispatched into the store on this
/// event loop exactly as a native client's calls are (a parked `get` or `acquire` parks; a
/// change is journaled and answered once committed).
///
/// Requests are pickles read by ``PickleReader``, which never runs anything: a pickle it refuses
/// is answered `('#ERROR', UnpicklingError(...))` and the connection goes on.
final class PythonConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    /// Replies from the store, written by the ``ClientLink`` at the ``PythonLinkAnchor``.
    typealias OutboundIn = WireMessage
    typealias OutboundOut = ByteBuffer

    enum State {
        case idle
        /// Our challenge is out; the client must answer it with the authkey.
        case challenged(message: [UInt8])
        /// The client proved the key; now it challenges us.
        case awaitingClientChallenge
        /// We answered the client's challenge; it says `#WELCOME#` or `#FAILURE#`.
        case awaitingVerdict
        /// Logged in: server functions, one or more, until `accept_connection`.
        case loggedIn(ClientLink)
        /// A client thread's connection: method calls on objects.
        case serving(Session, ClientLink)
        case closed
    }

    var state = State.idle
    let peers: PythonPeers
    /// The listener's address as clients name it, written into every token; for a listener on
    /// TCP port 0, the connection's local address, known when it is active.
    var address: PickleValue
    private let decoder: PythonFrameDecoder
    private let anchor: PythonLinkAnchor
    private var timeout: Scheduled<Void>?
    var logger: Logger
    private var peerAddress = "local"
    var nextRequestID: UInt64 = 1
    /// How each request in flight is answered in Python.
    var shapes: [UInt64: PythonReplyShape] = [:]

    init(peers: PythonPeers, address: PickleValue?, decoder: PythonFrameDecoder, anchor: PythonLinkAnchor) {
        self.peers = peers
        self.address = address ?? .none
        self.decoder = decoder
        self.anchor = anchor
        self.logger = peers.logger
    }

    var store: ObjectStore { peers.store }

    func channelActive(context: ChannelHandlerContext) {
        if let ip = context.remoteAddress?.ipAddress { peerAddress = ip }
        if address == .none, let local = context.localAddress, let ip = local.ipAddress, let port = local.port {
            address = .tuple([.string(ip), .int(Int64(port))])
        }
        logger[metadataKey: "peer"] = "\(context.remoteAddress.map { "\($0)" } ?? "unix")"
        let channel = context.channel
        timeout = context.eventLoop.scheduleTask(in: peers.handshakeTimeout) { channel.close(promise: nil) }
        let (frame, message) = PythonHandshake.makeChallenge()
        state = .challenged(message: message)
        writeFrame(context, frame)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        let bytes = frame.readBytes(length: frame.readableBytes) ?? []
        switch state {
        case .challenged(let message):
            let now = NIODeadline.now()
            if peers.throttle.lockout(for: peerAddress, now: now) != nil {
                refuseLogin(context, "too many failed logins from \(peerAddress)")
                return
            }
            do throws(PythonProtocolError) {
                try peers.handshake.verify(response: bytes, to: message)
            } catch {
                if let note = peers.throttle.failed(peerAddress, now: now) {
                    logger.warning("refused a Python client: wrong authkey", metadata: ["failures": "\(note.failures)"])
                }
                refuseLogin(context, error.message)
                return
            }
            state = .awaitingClientChallenge
            writeFrame(context, PythonHandshake.welcome)
        case .awaitingClientChallenge:
            do throws(PythonProtocolError) {
                let response = try peers.handshake.response(to: bytes)
                state = .awaitingVerdict
                writeFrame(context, response)
            } catch {
                refuseLogin(context, error.message)
            }
        case .awaitingVerdict:
            guard bytes == PythonHandshake.welcome else {
                refuseLogin(context, "the client did not accept the manager's answer to its challenge")
                return
            }
            peers.throttle.succeeded(peerAddress)
            timeout?.cancel()
            timeout = nil
            decoder.maxFrameSize = peers.maxFrameSize
            guard let anchorContext = anchor.context else {
                context.close(promise: nil)
                return
            }
            state = .loggedIn(ClientLink(context: anchorContext, journal: store.journal))
        case .loggedIn(let link):
            link.beginReadBurst()
            guard let request = readRequest(context, bytes) else { return }
            serverFunction(context, request, link)
        case .serving(let session, let link):
            link.beginReadBurst()
            guard let request = readRequest(context, bytes) else { return }
            objectCall(context, request, session, link)
        case .idle, .closed:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        switch state {
        case .loggedIn(let link), .serving(_, let link): link.endReadBurst()
        default: break
        }
        context.fireChannelReadComplete()
    }

    /// Replies the store sends through the link become Python's messages here.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .reply(let id, let result) = unwrapOutboundIn(data) else {
            promise?.succeed()
            return
        }
        let shape = shapes.removeValue(forKey: id) ?? .value
        context.write(wrapOutboundOut(encode(reply(result, shape: shape))), promise: promise)
    }

    /// A client that does not read its replies stops being read, as a native client does.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.readOnlyWhileWritable()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        switch state {
        case .loggedIn(let link):
            link.close()
        case .serving(let session, let link):
            link.close()
            store.connectionClosed(session)
        default:
            break
        }
        state = .closed
        context.fireChannelInactive()
    }

    /// A frame over the limit or a bad length: the stream cannot be trusted past it. A logged-in
    /// client hears why (`RemoteError` in Python) before the connection closes.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let channel = context.channel
        switch state {
        case .loggedIn, .serving:
            logger.notice("closing a Python connection", metadata: ["error": "\(error)"])
            let text = (error as? PythonProtocolError)?.message ?? "\(error)"
            context.writeAndFlush(wrapOutboundOut(encode(.tuple([.string("#TRACEBACK"), .string(text)])))).whenComplete { _ in
                channel.close(promise: nil)
            }
        default:
            context.close(promise: nil)
        }
    }

    // MARK: Writing

    func writeFrame(_ context: ChannelHandlerContext, _ bytes: [UInt8]) {
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    /// Writes a reply that needs nothing from the store or the journal.
    func writeNow(_ context: ChannelHandlerContext, _ message: PickleValue) {
        context.writeAndFlush(wrapOutboundOut(encode(message)), promise: nil)
    }

    func encode(_ message: PickleValue) -> ByteBuffer {
        var buffer = ByteBuffer()
        PickleWriter.write(message, to: &buffer)
        return buffer
    }

    private func refuseLogin(_ context: ChannelHandlerContext, _ reason: String) {
        logger.debug("refused a Python login", metadata: ["reason": "\(reason)"])
        state = .closed
        decoder.stop()
        let channel = context.channel
        var buffer = context.channel.allocator.buffer(capacity: 16)
        buffer.writeBytes(PythonHandshake.failure)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }

    // MARK: Requests

    /// A request as CPython sends it: `(ident, methodname, args, kwds)`.
    struct PythonRequest {
        var ident: PickleValue
        var method: String
        var arguments: [PickleValue]
        var keywords: [(String, PickleValue)]
    }

    private func readRequest(_ context: ChannelHandlerContext, _ bytes: [UInt8]) -> PythonRequest? {
        let value: PickleValue
        do throws(PythonProtocolError) {
            value = try PickleReader.read(bytes)
        } catch {
            logger.notice("refused a Python request's pickle", metadata: ["error": "\(error)"])
            writeNow(context, .tuple([.string("#ERROR"), .exception(module: "pickle", name: "UnpicklingError", arguments: [.string(error.message)])]))
            return nil
        }
        guard case .tuple(let fields) = value, fields.count == 4, case .string(let method) = fields[1] else {
            writeNow(context, .tuple([.string("#TRACEBACK"), .string("a request is (ident, methodname, args, kwds)")]))
            return nil
        }
        let arguments: [PickleValue]
        switch fields[2] {
        case .tuple(let items), .list(let items): arguments = items
        default:
            writeNow(context, .tuple([.string("#TRACEBACK"), .string("a request's args are a tuple")]))
            return nil
        }
        var keywords: [(String, PickleValue)] = []
        if case .dict(let entries) = fields[3] {
            for entry in entries {
                guard case .string(let name) = entry.key else { continue }
                keywords.append((name, entry.value))
            }
        }
        return PythonRequest(ident: fields[0], method: method, arguments: arguments, keywords: keywords)
    }

    /// Takes a new request id for a call through the link, answered in `shape`.
    func takeRequestID(_ link: ClientLink, shape: PythonReplyShape) -> UInt64 {
        let id = nextRequestID
        nextRequestID += 1
        shapes[id] = shape
        _ = link.accept(requestID: id)
        return id
    }

    /// Answers a server function through the link: after the journal commits what it changed.
    func answer(_ link: ClientLink, _ value: PickleValue) {
        let id = takeRequestID(link, shape: .fixed(value))
        link.send(.reply(id: id, result: .success(.null)))
    }
}
