import NIOCore

extension ChannelHandlerContext {
    /// Stops reading a client that does not read its replies, and reads again once it does: its
    /// unsent replies stay below the channel's high water mark instead of growing the manager's
    /// memory. Every listener's connection handler calls it from `channelWritabilityChanged`.
    func readOnlyWhileWritable() {
        let writable = channel.isWritable
        try? channel.syncOptions?.setOption(ChannelOptions.autoRead, value: writable)
        if writable { read() }
        fireChannelWritabilityChanged()
    }
}
