import DurableWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ManagerAddress {
    /// Whether other machines may reach the manager here: TCP on any host but loopback
    /// (127.0.0.0/8, ::1, `localhost`). A host name other than `localhost` counts as reachable,
    /// since what it resolves to is not known when the warning matters.
    var isReachableFromOtherHosts: Bool {
        guard case .tcp(let host, _) = kind else { return false }
        if host.lowercased() == "localhost" { return false }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 != 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            let bytes = withUnsafeBytes(of: v6) { Array($0) }
            let loopback = bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
            // ::ffff:127.x.x.x, an IPv4 loopback address written as IPv6.
            let mappedLoopback = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127
            return !(loopback || mappedLoopback)
        }
        return true
    }
}
