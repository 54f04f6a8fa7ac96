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
        // Only a pipe or a socket can be watched for its end; anything else (/dev/null, a file)
        // has no client behind it to wait for, so the manager stops at once.
        var status = stat()
        guard fstat(0, &status) == 0, (status.st_mode & S_IFMT) == S_IFIFO || (status.st_mode & S_IFMT) == S_IFSOCK else {
            return
        }
        let closed = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Void.self)
        let channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(DiscardingHandler()) }
            }
            .takingOwnershipOfDescriptor(input: dup(0))
            .get()
        channel.closeFuture.cascade(to: closed)
        // Cancelled when another service of the group fails (a manager that cannot listen):
        // without this, the group would wait here until the client closes the pipe.
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await closed.futureResult.get()
            } onGracefulShutdown: {
                channel.close(promise: nil)
            }
        } onCancel: {
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
