import DurableWire
import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// A client that writes raw bytes to a manager's Unix socket (or a TCP port on 127.0.0.1), for
/// the bad-input tests: it can send what the real client never would.
final class RawConnection {
    private let fd: Int32
    /// The id ``call(_:_:_:owner:)`` used last; a test that picks its own ids picks them above it.
    private var lastRequestID: UInt64 = 0

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

    /// Connects to `port` on 127.0.0.1.
    init(tcpPort port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw FixtureError("cannot connect to 127.0.0.1:\(port): errno \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Everything the manager sends until it closes the connection; throws if it is still open
    /// after 10 s of silence.
    func readUntilClosed() throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got == 0 || (got < 0 && errno == ECONNRESET) { return bytes }
            if got < 0, errno == EAGAIN { throw FixtureError("the manager kept the connection open and silent for 10 s") }
            guard got > 0 else { throw FixtureError("read failed: errno \(errno)") }
            bytes += chunk[0..<got]
        }
    }

    /// Ends the connection as a client that goes away would (the descriptor stays open until
    /// deinit, so its number cannot be reused under this object).
    func disconnect() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Answers the challenge with `authkey` under `session` (a new one by default); returns the manager's answer.
    func handshake(authkey: Authkey, session: String = "raw-\(UUID().uuidString)") throws -> WireMessage? {
        guard case .challenge(_, let nonce) = try readMessage() else { throw FixtureError("no challenge") }
        try send(.response(mac: authkey.mac(for: nonce), nonce: Array(repeating: 7, count: 32), session: session))
        return try readMessage()
    }

    func send(_ message: WireMessage) throws {
        try sendRaw(Self.frame(message))
    }

    /// `message` as the manager reads it: a 4-byte big-endian length, then the body.
    static func frame(_ message: WireMessage) -> [UInt8] {
        var body = ByteBuffer()
        message.write(to: &body)
        return frame(body: Array(body.readableBytesView))
    }

    /// `body` behind its length prefix.
    static func frame(body: [UInt8]) -> [UInt8] {
        withUnsafeBytes(of: UInt32(body.count).bigEndian, Array.init) + body
    }

    func sendRaw(_ bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw FixtureError("short write") }
    }

    /// Writes as much of `bytes` as the manager takes, without ever blocking: until all is
    /// written, the manager closes the connection, or the socket takes nothing for `stall` (the
    /// manager stopped reading).
    /// - Returns: How many bytes went.
    func sendWhileAccepted(_ bytes: [UInt8], stall: Duration = .seconds(2)) async -> Int {
        var sent = 0
        var lastProgress = ContinuousClock.now
        while sent < bytes.count {
            let chunk = min(bytes.count - sent, 1 << 16)
            // MSG_NOSIGNAL: a manager that closed the connection is an error here, not a SIGPIPE
            // that would end the test process.
            let written = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, chunk, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
            if written > 0 {
                sent += written
                lastProgress = .now
                continue
            }
            guard written < 0, errno == EAGAIN || errno == EWOULDBLOCK, ContinuousClock.now - lastProgress < stall else { break }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return sent
    }

    /// Whether the manager has sent something (or closed the connection) within `timeout`: an
    /// accepted connection gets its challenge at once, one still in the listen backlog nothing.
    func isReadable(within timeout: Duration) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return poll(&descriptor, 1, milliseconds) == 1
    }

    /// Sends a request under the next id and returns its reply, which must be the next message:
    /// one call at a time, as a test that checks what each call did needs.
    func call(_ target: UInt64, _ method: String, _ arguments: [Value] = [], owner: UInt64 = 0) throws -> Result<Value, ManagerError> {
        lastRequestID += 1
        try send(.request(Request(id: lastRequestID, target: target, method: method, arguments: arguments, owner: owner)))
        return try reply(to: lastRequestID)
    }

    /// Reads the next message, which must be the reply to request `id`.
    func reply(to id: UInt64) throws -> Result<Value, ManagerError> {
        guard case .reply(let replied, let result) = try readMessage() else { throw FixtureError("no reply to request \(id)") }
        guard replied == id else { throw FixtureError("expected the reply to request \(id), got one to request \(replied): \(result)") }
        return result
    }

    /// Opens the object called `name` or creates it, as the manager's `create` does, and returns its id.
    func create(_ typeID: String, name: String, arguments: [Value] = []) throws -> UInt64 {
        let result = try call(0, "create", [.string(typeID), .string(name), .array(arguments)])
        guard case .success(.reference(let reference)) = result else { throw FixtureError("create \(typeID) '\(name)' failed: \(result)") }
        return reference.id
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
            if got < 0, errno == EAGAIN { throw FixtureError("the manager sent nothing for 10 s") }
            guard got > 0 else { throw FixtureError("read failed: errno \(errno)") }
            filled += got
        }
        return bytes
    }
}

extension ManagerFixture {
    /// A raw connection to the manager, past the handshake.
    func rawConnection() throws -> RawConnection {
        let raw = try RawConnection(path: folder + "/manager.sock")
        guard case .welcome = try raw.handshake(authkey: try authkey()) else { throw FixtureError("the manager did not welcome a raw connection") }
        return raw
    }
}
