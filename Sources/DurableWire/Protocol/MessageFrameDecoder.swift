package import NIOCore

/// What the frame decoder hands on: a message, or a frame whose body could not be read.
package enum InboundFrame: Sendable {
    case message(WireMessage)
    /// The frame was well delimited but its body was not a message. The connection can go on;
    /// if the body began like a request, `requestID` says which call to answer with an error.
    case undecodable(requestID: UInt64?, ValueCodingError)
}

/// Splits the byte stream into length-prefixed frames (4-byte big-endian length, then the
/// body) and decodes each body as a ``WireMessage``.
///
/// A frame longer than `maxFrameSize` is a ``ManagerError/Code/protocolError``: the stream
/// cannot be trusted after it, so the pipeline's error path closes the connection.
package struct MessageFrameDecoder: ByteToMessageDecoder {
    package typealias InboundOut = InboundFrame

    package let maxFrameSize: Int
    package let maxValueDepth: Int

    /// Decoding a frame takes at most this many bytes of memory per byte of the frame (or
    /// ``minimumMemory`` for a small one): strings, bytes and doubles take about what they
    /// weigh, and a frame of millions of nulls or booleans, which would take 32 times its size,
    /// is refused instead.
    package static let memoryPerByte = 16
    package static let minimumMemory = 1 << 20

    /// - Parameters:
    ///   - maxValueDepth: ``ValueNesting/accepted`` where clients' requests are read,
    ///     ``ValueNesting/stored`` where the manager's replies are.
    package init(maxFrameSize: Int, maxValueDepth: Int) {
        self.maxFrameSize = maxFrameSize
        self.maxValueDepth = maxValueDepth
    }

    package mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard length <= maxFrameSize else {
            throw ManagerError(
                .protocolError,
                "a frame of \(length) bytes is over the limit of \(maxFrameSize) bytes; the connection is closed"
            )
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let body = buffer.readSlice(length: Int(length))!
        // Read from a copy: a failed read leaves its reader index mid-body, and the request id
        // has to be peeked from the start.
        var reader = body
        let frame: InboundFrame
        do {
            let maxMemory = max(Self.memoryPerByte * Int(length), Self.minimumMemory)
            frame = .message(try WireMessage.read(from: &reader, maxDepth: maxValueDepth, maxMemory: maxMemory))
        } catch {
            frame = .undecodable(requestID: WireMessage.peekRequestID(in: body), error)
        }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    package mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Writes each ``WireMessage`` as one length-prefixed frame.
package struct MessageFrameEncoder: MessageToByteEncoder {
    package typealias OutboundIn = WireMessage

    package init() {}

    package func encode(data: WireMessage, out: inout ByteBuffer) throws {
        let lengthIndex = out.writerIndex
        out.writeInteger(UInt32(0))
        data.write(to: &out)
        // The manager's --max-value-size keeps replies far below this; a frame past it cannot be framed.
        guard let length = UInt32(exactly: out.writerIndex - lengthIndex - 4) else {
            throw ManagerError(.protocolError, "a message of \(out.writerIndex - lengthIndex - 4) bytes is over the 4 GiB a frame can carry")
        }
        out.setInteger(length, at: lengthIndex)
    }
}
