#if canImport(Glibc)
import Glibc
#endif

/// One end of a TCP connection as Linux prints it in `/proc/net/tcp` and `/proc/net/tcp6`:
/// each 32-bit word of the address in hex as this machine stores it, a colon, the port in hex.
struct SocketTableAddress: Sendable {
    /// The address in network order: 4 bytes for IPv4, 16 for IPv6.
    let bytes: [UInt8]
    let port: UInt16

    /// This end of the connection `descriptor`.
    static func local(of descriptor: Int32) -> SocketTableAddress? {
        read(descriptor, getsockname)
    }

    /// The other end of the connection `descriptor`.
    static func peer(of descriptor: Int32) -> SocketTableAddress? {
        read(descriptor, getpeername)
    }

    /// As `/proc/net/tcp` shows it; nil for an IPv6 address, which is never there.
    var ipv4Text: String? {
        bytes.count == 4 ? text(bytes) : nil
    }

    /// As `/proc/net/tcp6` shows it: an IPv4 address mapped (`::ffff:a.b.c.d`), as the sockets
    /// of a listener on both IPv4 and IPv6 hold it.
    var ipv6Text: String {
        text(bytes.count == 4 ? [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] + bytes : bytes)
    }

    private func text(_ address: [UInt8]) -> String {
        var text = ""
        for start in stride(from: 0, to: address.count, by: 4) {
            let word = address[start..<start + 4].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            text += Self.hex(word, digits: 8)
        }
        return text + ":" + Self.hex(UInt32(port), digits: 4)
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    private static func read(
        _ descriptor: Int32, _ name: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) -> SocketTableAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { name(descriptor, $0, &length) }
        }
        guard named == 0 else { return nil }
        let family = Int32(storage.ss_family)
        return withUnsafeBytes(of: storage) { raw -> SocketTableAddress? in
            switch family {
            case AF_INET:
                let address = raw.load(as: sockaddr_in.self)
                return SocketTableAddress(
                    bytes: withUnsafeBytes(of: address.sin_addr) { Array($0) }, port: UInt16(bigEndian: address.sin_port)
                )
            case AF_INET6:
                let address = raw.load(as: sockaddr_in6.self)
                return SocketTableAddress(
                    bytes: withUnsafeBytes(of: address.sin6_addr) { Array($0) }, port: UInt16(bigEndian: address.sin6_port)
                )
            default:
                return nil
            }
        }
    }
}
