package import DurableWire
package import NIOCore

/// The manager's side of one client connection, as the objects see it: where replies go and
/// which of its calls are parked.
///
/// Replies written while the connection's reads are being handled are flushed once, when the
/// read burst ends; a reply completed from elsewhere (a put waking this client's get) is
/// flushed at once.
final class ClientLink {
    let eventLoop: any EventLoop
    private var context: ChannelHandlerContext?
    private var inReadBurst = false
    private var pendingFlush = false
    private var parked: [UInt64: PendingCall] = [:]

    init(context: ChannelHandlerContext) {
        self.context = context
        self.eventLoop = context.eventLoop
    }

    func send(_ message: WireMessage) {
        guard let context else { return }
        if inReadBurst {
            context.write(NIOAny(message), promise: nil)
            pendingFlush = true
        } else {
            context.writeAndFlush(NIOAny(message), promise: nil)
        }
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

    /// The connection is gone: nothing more can be sent, and every parked call is taken off its
    /// queue so that no item, permit or wake-up is handed to a caller who can no longer hear it.
    func close() {
        context = nil
        for call in Array(parked.values) {
            call.abandon(ManagerError(.connectionLost, "the client disconnected"))
        }
        parked = [:]
    }
}
