import DurableWire
import NIOCore

/// The whole pipeline of a connection the manager has no room for: it tells the client why,
/// as the first thing it reads, and closes.
final class ConnectionRefusal: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = WireMessage

    private let error: ManagerError

    init(_ error: ManagerError) {
        self.error = error
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.reply(id: 0, result: .failure(error)))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
