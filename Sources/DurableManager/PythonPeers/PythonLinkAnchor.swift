import NIOCore

/// The point in a CPython connection's pipeline where its ``ClientLink`` writes replies from:
/// after ``PythonConnectionHandler``, so every reply the store sends (held for the journal or
/// not) passes through the handler's `write`, which turns it into Python's message.
final class PythonLinkAnchor: ChannelInboundHandler {
    typealias InboundIn = Never

    private(set) var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }
}
