import NIOCore
import NIOPosix
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Ends when standard input reaches end of file: a manager started by a client (whose stdin is
/// a pipe from that client) shuts down cleanly when the client goes away, however it went.
struct StandardInputWatcher: Service {
    func run() async throws {
        let closed = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Void.self)
        let channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(DiscardingHandler()) }
            }
            .takingOwnershipOfDescriptor(input: dup(0))
            .get()
        channel.closeFuture.cascade(to: closed)
        try await withGracefulShutdownHandler {
            try await closed.futureResult.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
    }

    /// Input is only watched for its end; whatever is written is dropped.
    private final class DiscardingHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .some(.inputClosed) = event as? ChannelEvent {
                context.close(promise: nil)
            }
        }
    }
}
