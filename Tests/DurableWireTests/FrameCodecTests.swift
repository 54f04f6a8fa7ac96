import DurableWire
import NIOCore
import NIOEmbedded
import Testing

struct FrameCodecTests {
    static let everyMessage: [WireMessage] = [
        .challenge(version: WireMessage.protocolVersion, nonce: Array(0..<32)),
        .response(mac: Array(repeating: 0xaa, count: 32), nonce: [1, 2, 3], session: "worker-1 ✓"),
        .welcome(mac: [9, 8, 7], epoch: 1 << 41),
        .request(Request(id: 1, target: 0, method: "create", arguments: [], owner: 0)),
        .request(Request(
            id: .max,
            target: 1 << 40 | 17,
            method: "put",
            arguments: ["job", ["id": 7, 2: .bytes([0])], .reference(ObjectReference(id: 5, typeID: "dict")), .double(-.infinity)],
            owner: 3
        )),
        .reply(id: 1, result: .success(.null)),
        .reply(id: 2, result: .success(["nested": [[1, 2], [3]]])),
        .reply(id: 3, result: .failure(ManagerError(.empty, "the queue is empty"))),
        .reply(id: 0, result: .failure(ManagerError(.init(wireName: "SomethingNew"), "a code this build does not know"))),
        .cancel(id: 12),
        .release(objects: []),
        .release(objects: [1, 2, .max]),
    ]

    @Test(arguments: everyMessage)
    func everyMessageRoundTrips(message: WireMessage) throws {
        let channel = try Self.channel()
        try channel.writeOutbound(message)
        let frame = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(frame.getInteger(at: frame.readerIndex, as: UInt32.self) == UInt32(frame.readableBytes - 4))
        try channel.writeInbound(frame)
        #expect(try Self.readMessage(channel) == message)
        #expect(try channel.readInbound(as: InboundFrame.self) == nil)
    }

    @Test func frameSplitAcrossManyWritesDecodes() throws {
        let channel = try Self.channel()
        let message = Self.everyMessage[4]
        let frame = try Self.frame(message)
        for offset in 0..<frame.readableBytes {
            #expect(try channel.readInbound(as: InboundFrame.self) == nil, "a message came before its last byte")
            try channel.writeInbound(frame.getSlice(at: frame.readerIndex + offset, length: 1)!)
        }
        #expect(try Self.readMessage(channel) == message)
    }

    @Test func framesInOneWriteAllDecode() throws {
        let channel = try Self.channel()
        var bytes = ByteBuffer()
        for message in Self.everyMessage { bytes.writeImmutableBuffer(try Self.frame(message)) }
        try channel.writeInbound(bytes)
        for message in Self.everyMessage {
            #expect(try Self.readMessage(channel) == message)
        }
    }

    @Test func oversizedLengthIsAProtocolError() throws {
        let channel = try Self.channel(maxFrameSize: 1024)
        var bytes = ByteBuffer()
        bytes.writeInteger(UInt32(1025))
        do {
            try channel.writeInbound(bytes)
            Issue.record("a frame over the limit was accepted")
        } catch let error as ManagerError {
            #expect(error.code == .protocolError)
            #expect(error.message.contains("1025"))
        }
    }

    @Test func frameAtTheLimitIsAccepted() throws {
        let channel = try Self.channel(maxFrameSize: 16)
        let frame = try Self.frame(.release(objects: Array(1...14)))
        #expect(frame.readableBytes == 4 + 16)
        try channel.writeInbound(frame)
        #expect(try Self.readMessage(channel) == .release(objects: Array(1...14)))
    }

    @Test func garbageAfterARequestHeaderIsUndecodableWithTheRequestID() throws {
        let channel = try Self.channel()
        var body = ByteBuffer()
        body.writeInteger(UInt8(4))  // the request kind
        body.writeVarint(42)
        body.writeVarint(1)
        body.writeVarint(0)
        body.writeVarint(0)
        body.writeLengthPrefixedString("put")
        body.writeVarint(1)
        body.writeInteger(UInt8(200))  // no value has this tag
        try channel.writeInbound(Self.framed(body))
        guard case .undecodable(let requestID, let error) = try channel.readInbound(as: InboundFrame.self) else {
            Issue.record("a malformed request was not reported as undecodable")
            return
        }
        #expect(requestID == 42)
        #expect(error == .unknownTag(200))
    }

    @Test func garbageBodyIsUndecodableWithoutARequestID() throws {
        let channel = try Self.channel()
        try channel.writeInbound(Self.framed(ByteBuffer(bytes: [0xee, 1, 2, 3])))
        guard case .undecodable(let requestID, _) = try channel.readInbound(as: InboundFrame.self) else {
            Issue.record("garbage was not reported as undecodable")
            return
        }
        #expect(requestID == nil)

        // The connection goes on: the next good frame still decodes.
        try channel.writeInbound(Self.frame(.cancel(id: 5)))
        #expect(try Self.readMessage(channel) == .cancel(id: 5))
    }

    @Test func trailingBytesMakeAMessageUndecodable() throws {
        let channel = try Self.channel()
        var body = ByteBuffer()
        WireMessage.cancel(id: 5).write(to: &body)
        body.writeInteger(UInt8(0))
        try channel.writeInbound(Self.framed(body))
        guard case .undecodable(nil, _) = try channel.readInbound(as: InboundFrame.self) else {
            Issue.record("a message with trailing bytes was accepted")
            return
        }
    }

    private static func channel(maxFrameSize: Int = 1 << 20) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers(
            ByteToMessageHandler(MessageFrameDecoder(maxFrameSize: maxFrameSize, maxValueDepth: ValueNesting.accepted)),
            MessageToByteHandler(MessageFrameEncoder())
        )
        return channel
    }

    private static func frame(_ message: WireMessage) throws -> ByteBuffer {
        var out = ByteBuffer()
        try MessageFrameEncoder().encode(data: message, out: &out)
        return out
    }

    private static func framed(_ body: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        out.writeInteger(UInt32(body.readableBytes))
        out.writeImmutableBuffer(body)
        return out
    }

    private static func readMessage(_ channel: EmbeddedChannel) throws -> WireMessage? {
        switch try channel.readInbound(as: InboundFrame.self) {
        case .message(let message): return message
        case .undecodable(let requestID, let error):
            Issue.record("frame was undecodable (request \(String(describing: requestID))): \(error)")
            return nil
        case nil: return nil
        }
    }
}
