import DurableWire
import NIOCore

/// Sits right behind the TLS handler of a TCP connection and reports a failed handshake (a client
/// certificate the manager does not trust, a client that does not trust the manager's, a peer
/// that does not speak TLS) as a rate-limited warning, so an operator sees refused clients
/// without a line per attempt. A peer that closes mid-handshake (a port scan, a health check)
/// is no verdict on anyone and is not reported. The error goes on to the connection's handler,
/// which closes the connection.
final class TLSRefusalLog: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let warning: RateLimitedWarning

    init(_ warning: RateLimitedWarning) {
        self.warning = warning
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let failure = TLSFailure(error), !failure.isEndOfStream {
            warning.happened([
                "peer": "\(context.remoteAddress.map { "\($0)" } ?? "unknown")",
                "reason": "\(failure.summary)",
            ])
        }
        context.fireErrorCaught(error)
    }
}
