import DurableWire
import Foundation
import NIOCore

/// A client that writes raw bytes to a manager's Unix socket, for the bad-input tests: it can
/// send what the real client never would.
final class RawConnection {
    private let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw FixtureError("cannot connect to \(path): errno \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Answers the challenge with `authkey`; returns the manager's answer.
    func handshake(authkey: Authkey) throws -> WireMessage? {
        guard case .challenge(_, let nonce) = try readMessage() else { throw FixtureError("no challenge") }
        try send(.response(mac: authkey.mac(for: nonce), nonce: Array(repeating: 7, count: 32), session: "raw-\(UUID().uuidString)"))
        return try readMessage()
    }

    func send(_ message: WireMessage) throws {
        var body = ByteBuffer()
        message.write(to: &body)
        var frame = ByteBuffer()
        frame.writeInteger(UInt32(body.readableBytes))
        frame.writeBuffer(&body)
        try sendRaw(Array(frame.readableBytesView))
    }

    func sendRaw(_ bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw FixtureError("short write") }
    }

    /// The next message, or nil when the manager closed the connection.
    func readMessage() throws -> WireMessage? {
        guard let header = try readExactly(4) else { return nil }
        let length = Int(header.withUnsafeBytes { $0.load(as: UInt32.self).bigEndian })
        guard let body = try readExactly(length) else { return nil }
        var buffer = ByteBuffer(bytes: body)
        return try WireMessage.read(from: &buffer, maxDepth: ValueNesting.stored)
    }

    private func readExactly(_ count: Int) throws -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, count - filled) }
            if got == 0 { return nil }
            guard got > 0 else { throw FixtureError("read failed: errno \(errno)") }
            filled += got
        }
        return bytes
    }
}
