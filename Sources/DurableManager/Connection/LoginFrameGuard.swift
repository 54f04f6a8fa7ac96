import Logging
import NIOCore

/// Until the client has logged in, lets through only a first frame the size of a handshake
/// message, so that an unauthenticated peer costs no more than a handshake: a peer that
/// announces a larger frame is disconnected before any of it is buffered or decoded.
///
/// The connection's handler removes the guard once the login succeeds; until then the frame
/// decoder never holds more than one read's worth of bytes.
final class LoginFrameGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The largest handshake frame: a response is a 32-byte MAC, a 32-byte nonce and a session
    /// id (a UUID from our client); a kilobyte leaves room for other clients' ids.
    static let maxFrameSize = 1024

    private var header: [UInt8] = []
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        if header.count < 4 {
            header += bytes.getBytes(at: bytes.readerIndex, length: min(4 - header.count, bytes.readableBytes)) ?? []
            if header.count == 4 {
                let length = header.reduce(0) { $0 << 8 | Int($1) }
                guard length <= Self.maxFrameSize else {
                    logger.notice("closed a connection that sent a large frame before logging in", metadata: ["bytes": "\(length)"])
                    context.close(promise: nil)
                    return
                }
            }
        }
        context.fireChannelRead(data)
    }
}
