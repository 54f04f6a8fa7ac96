package import NIOCore

/// Writes `multiprocessing.connection`'s frames: the 4-byte big-endian length (or -1 and an
/// 8-byte length past `Int32.max`) and the payload, in one buffer.
package struct PythonFrameEncoder: MessageToByteEncoder {
    package typealias OutboundIn = ByteBuffer

    package init() {}

    package func encode(data: ByteBuffer, out: inout ByteBuffer) {
        Self.frame(data, into: &out)
    }

    /// Appends `payload` as one frame to `out`.
    package static func frame(_ payload: ByteBuffer, into out: inout ByteBuffer) {
        if payload.readableBytes > Int(Int32.max) {
            out.writeInteger(Int32(-1), endianness: .big)
            out.writeInteger(UInt64(payload.readableBytes), endianness: .big)
        } else {
            out.writeInteger(Int32(payload.readableBytes), endianness: .big)
        }
        var payload = payload
        out.writeBuffer(&payload)
    }
}
