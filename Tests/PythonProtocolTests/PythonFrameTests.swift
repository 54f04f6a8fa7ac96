import NIOCore
import NIOEmbedded
import PythonProtocol
import Testing

/// `multiprocessing.connection`'s frames on an embedded channel.
struct PythonFrameTests {
    private func channel(limit: Int) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(PythonFrameDecoder(maxFrameSize: limit))
        return channel
    }

    @Test func shortAndLongLengthsAndFramesInPieces() throws {
        let channel = try channel(limit: 1 << 20)
        var frame = ByteBuffer()
        PythonFrameEncoder.frame(ByteBuffer(bytes: [1, 2, 3]), into: &frame)
        // The 8-byte form CPython uses past 2 GiB, here for a small frame: the reader takes both.
        frame.writeInteger(Int32(-1))
        frame.writeInteger(UInt64(2))
        frame.writeBytes([4, 5])
        let bytes = Array(frame.readableBytesView)
        for byte in bytes { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        #expect(try channel.readInbound(as: ByteBuffer.self).map { Array($0.readableBytesView) } == [1, 2, 3])
        #expect(try channel.readInbound(as: ByteBuffer.self).map { Array($0.readableBytesView) } == [4, 5])
    }

    @Test func anOversizedFrameIsRefusedBeforeItsPayload() throws {
        let channel = try channel(limit: 256)
        var header = ByteBuffer()
        header.writeInteger(Int32(-1))
        header.writeInteger(UInt64(1) << 40)
        #expect { try channel.writeInbound(header) } throws: { ($0 as? PythonProtocolError)?.code == .frameTooLarge }
        var negative = ByteBuffer()
        negative.writeInteger(Int32(-7))
        let other = try self.channel(limit: 256)
        #expect { try other.writeInbound(negative) } throws: { ($0 as? PythonProtocolError)?.code == .badFrame }
    }
}
