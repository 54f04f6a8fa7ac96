import DurableWire
import NIOCore

/// The manager's side of one client connection, as the objects see it: where replies go and
/// which of its calls are parked.
///
/// Replies written while the connection's reads are being handled are flushed once, when the
/// read burst ends; a reply completed from elsewhere (a put waking this client's get) is
/// flushed at once.
final class ClientLink {
    let eventLoop: any EventLoop
    private var context: ChannelHandlerContext?
    /// Holds replies back until what they could have observed is committed.
    private let journal: Journal?
    private var inReadBurst = false
    private var pendingFlush = false
    private var parked: [UInt64: PendingCall] = [:]
    /// Requests taken and not yet answered on the socket: an id may not be reused until its
    /// reply is out, or two calls would share one reply (and a parked one could be lost).
    private var inFlight: Set<UInt64> = []

    init(context: ChannelHandlerContext, journal: Journal?) {
        self.context = context
        self.eventLoop = context.eventLoop
        self.journal = journal
    }

    /// Takes request `id` in, or refuses it: id 0 is reserved for the connection's own errors,
    /// and an id still in flight would make two calls share one reply.
    /// - Returns: false when refused; the client has been told why.
    func accept(requestID id: UInt64) -> Bool {
        let problem: String
        if id == 0 {
            problem = "request id 0 is reserved for errors of the connection itself; number requests from 1"
        } else if inFlight.insert(id).inserted {
            return true
        } else {
            problem = "request id \(id) is already in flight on this connection; use an id once until its reply arrives"
        }
        refuse(requestID: id, ManagerError(.protocolError, problem))
        return false
    }

    /// Answers a frame that never became a call. Written past `inFlight` and the journal: it
    /// observed nothing, and it must not end a call already under that id.
    func refuse(requestID id: UInt64, _ error: ManagerError) {
        write(.reply(id: id, result: .failure(error)))
    }

    func send(_ message: WireMessage) {
        if let journal, journal.holdUntilCommitted(message, for: self) { return }
        if case .reply(let id, _) = message { inFlight.remove(id) }
        write(message)
    }

    private func write(_ message: WireMessage) {
        guard let context else { return }
        if inReadBurst {
            context.write(NIOAny(message), promise: nil)
            pendingFlush = true
        } else {
            context.writeAndFlush(NIOAny(message), promise: nil)
        }
    }

    /// Writes a reply the journal held back; the journal flushes each link once per commit.
    func writeReleased(_ message: WireMessage) {
        if case .reply(let id, _) = message { inFlight.remove(id) }
        context?.write(NIOAny(message), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    func beginReadBurst() {
        inReadBurst = true
    }

    func endReadBurst() {
        inReadBurst = false
        if pendingFlush {
            pendingFlush = false
            context?.flush()
        }
    }

    func parkedCallStarted(_ call: PendingCall) {
        parked[call.requestID] = call
    }

    func parkedCallEnded(_ call: PendingCall) {
        parked[call.requestID] = nil
    }

    /// The client gave up on call `requestID`.
    func cancel(requestID: UInt64) {
        parked[requestID]?.abandon(ManagerError(.cancelled, "the call was cancelled by the client"))
    }

    /// Closes the client's connection: the client sends its calls in flight again, under the
    /// same ids, to whichever manager serves next, which answers each once.
    func disconnect() {
        context?.close(promise: nil)
    }

    /// The connection is gone: nothing more can be sent, and every parked call is taken off its
    /// queue so that no item, permit or wake-up is handed to a caller who can no longer hear it.
    func close() {
        context = nil
        for call in Array(parked.values) {
            call.abandon(ManagerError(.connectionLost, "the client disconnected"))
        }
        parked = [:]
        inFlight = []
    }
}
