import NIOCore

/// Pauses a listener for a second when accepting fails (out of file descriptors or memory),
/// instead of spinning on the error.
///
/// NIO's own `AcceptBackoffHandler` waits for the channel's next `read`, which never comes here:
/// a failed accept leaves the listener's read pending and still registered with epoll, which
/// reports it again at once, thousands of times a second. Turning `autoRead` off unregisters the
/// listener; turning it back on after the pause registers it again.
final class AcceptPause: ChannelInboundHandler {
    typealias InboundIn = any Channel

    static let pause = TimeAmount.seconds(1)

    private let warning: RateLimitedWarning
    private var paused = false

    init(warning: RateLimitedWarning) {
        self.warning = warning
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is IOError else {
            context.fireErrorCaught(error)
            return
        }
        guard !paused else { return }
        paused = true
        warning.happened(["error": "\(error)"])
        let channel = context.channel
        try? channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
        context.eventLoop.assumeIsolated().scheduleTask(in: Self.pause) { [self] in
            paused = false
            try? channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
        }
    }
}
