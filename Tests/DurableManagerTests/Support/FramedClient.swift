import DurableWire
import NIOCore
import NIOEmbedded

/// A client connection that speaks bytes: requests are encoded into frames and go through the
/// manager's frame decoder, replies come back as bytes and are read as a real client reads them
/// (``ValueNesting/stored``), so the harness checks the codec at both ends.
final class FramedClient {
    let channel: EmbeddedChannel
    private var pending = ByteBuffer()
    private var nextID: UInt64
    /// Replies by request id, as they arrive.
    private(set) var replies: [UInt64: Result<Value, ManagerError>] = [:]

    /// - Parameter firstRequestID: Where this connection's request ids start: a session that
    ///   reconnects goes on from where it left off, as a real client does.
    init(channel: EmbeddedChannel, firstRequestID: UInt64) {
        self.channel = channel
        nextID = firstRequestID
    }

    /// The id the next call will have.
    var nextRequestID: UInt64 { nextID }

    func send(_ message: WireMessage) throws {
        var body = ByteBuffer()
        message.write(to: &body)
        var frame = ByteBuffer()
        frame.writeInteger(UInt32(body.readableBytes))
        frame.writeBuffer(&body)
        try channel.writeInbound(frame)
    }

    /// Sends a call; returns its request id.
    func call(_ target: UInt64, _ method: String, _ arguments: [Value], owner: UInt64 = 1) throws -> UInt64 {
        let id = nextID
        nextID += 1
        try send(.request(Request(id: id, target: target, method: method, arguments: arguments, owner: owner)))
        return id
    }

    /// The next whole message the manager wrote, or nil.
    /// - Throws: when the bytes are not a message a client can read.
    func nextMessage() throws -> WireMessage? {
        while let chunk = try channel.readOutbound(as: ByteBuffer.self) {
            var chunk = chunk
            pending.writeBuffer(&chunk)
        }
        guard let length = pending.getInteger(at: pending.readerIndex, as: UInt32.self),
              pending.readableBytes >= 4 + Int(length) else { return nil }
        pending.moveReaderIndex(forwardBy: 4)
        var body = pending.readSlice(length: Int(length))!
        return try WireMessage.read(from: &body, maxDepth: ValueNesting.stored)
    }

    /// Reads every reply written so far into ``replies``.
    func collect() throws {
        while let message = try nextMessage() {
            guard case .reply(let id, let result) = message else { throw HarnessError("unexpected \(message)") }
            replies[id] = result
        }
    }

    func takeReply(_ id: UInt64) throws -> Result<Value, ManagerError>? {
        try collect()
        return replies.removeValue(forKey: id)
    }
}
