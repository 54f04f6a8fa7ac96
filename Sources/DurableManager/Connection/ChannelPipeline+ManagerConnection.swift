package import DurableWire
package import Logging
package import NIOCore

extension ChannelPipeline.SynchronousOperations {
    /// Adds the manager's end of one client connection: a guard that keeps a peer that has not
    /// logged in to one handshake-sized frame, the frame codec (requests read with
    /// ``ValueNesting/accepted``) and the handler that authenticates the client and dispatches
    /// its calls into `store`. The listener, the tests' harness and the fuzzer build a
    /// connection the same way.
    package func addManagerConnectionHandlers(
        store: ObjectStore, authkey: Authkey, maxFrameSize: Int, handshakeTimeout: TimeAmount,
        throttle: LoginThrottle = LoginThrottle(), logger: Logger
    ) throws {
        try addHandlers([
            LoginFrameGuard(logger: logger),
            MessageToByteHandler(MessageFrameEncoder()),
            ByteToMessageHandler(MessageFrameDecoder(maxFrameSize: maxFrameSize, maxValueDepth: ValueNesting.accepted)),
            ServerConnectionHandler(store: store, authkey: authkey, handshakeTimeout: handshakeTimeout, throttle: throttle, logger: logger),
        ])
    }
}
