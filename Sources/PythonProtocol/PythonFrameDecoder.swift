package import NIOCore

/// Reads `multiprocessing.connection`'s frames: a 4-byte big-endian signed length, or -1 and
/// then an 8-byte length for frames of 2 GiB and more, then the payload.
///
/// The limit can be raised once the peer has logged in (``maxFrameSize``): before that, CPython
/// itself reads handshake messages of at most 256 bytes, so an unauthenticated peer costs no more
/// than a handshake. A frame over the limit is refused before its payload is read, with
/// ``PythonProtocolError/Code/frameTooLarge`` through `errorCaught`; nothing after it is read.
package final class PythonFrameDecoder: ChannelInboundHandler {
    package typealias InboundIn = ByteBuffer
    package typealias InboundOut = ByteBuffer

    /// The largest payload accepted, in bytes.
    package var maxFrameSize: Int
    private var buffer: ByteBuffer?
    private var failed = false

    package init(maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var incoming = unwrapInboundIn(data)
        if buffer == nil {
            buffer = incoming
        } else {
            buffer!.writeBuffer(&incoming)
        }
        do {
            while let frame = try nextFrame() {
                context.fireChannelRead(wrapInboundOut(frame))
                if failed { return }
            }
        } catch {
            failed = true
            buffer = nil
            context.fireErrorCaught(error)
        }
        if let readable = buffer?.readableBytes, readable == 0 { buffer = nil }
    }

    /// Stops reading after a frame the handler refused: the stream cannot be trusted past it.
    package func stop() {
        failed = true
        buffer = nil
    }

    /// Parses one whole frame off the front of the buffer, or nil when it has not all arrived.
    package func nextFrame() throws(PythonProtocolError) -> ByteBuffer? {
        guard var view = buffer else { return nil }
        guard let short: Int32 = view.readInteger(endianness: .big) else { return nil }
        let size: UInt64
        if short == -1 {
            guard let long: UInt64 = view.readInteger(endianness: .big) else { return nil }
            size = long
        } else if short < 0 {
            throw PythonProtocolError(.badFrame, "a frame length of \(short): multiprocessing.connection writes lengths from 0, or -1 before an 8-byte length")
        } else {
            size = UInt64(short)
        }
        guard size <= UInt64(maxFrameSize) else {
            throw PythonProtocolError(
                .frameTooLarge,
                "a frame of \(size) bytes is over this manager's limit of \(maxFrameSize) bytes (--max-frame-size; 256 before the authkey handshake)"
            )
        }
        guard let payload = view.readSlice(length: Int(size)) else { return nil }
        buffer = view
        return payload
    }
}
