/// Where a manager listens and a client connects: a Unix domain socket or a TCP host and port.
///
/// Written on the command line as `unix:PATH` or `tcp:HOST:PORT`.
///
/// ```swift
/// let local = ManagerAddress.unixDomainSocket(path: "/run/jobs/manager.sock")
/// let remote = try ManagerAddress(parsing: "tcp:127.0.0.1:50000")
/// ```
public struct ManagerAddress: Sendable, Hashable, CustomStringConvertible {
    package enum Kind: Sendable, Hashable {
        case unix(path: String)
        case tcp(host: String, port: Int)
    }

    package let kind: Kind

    /// A TCP address, which TLS protects; a Unix socket is protected by its file's permissions.
    package var isTCP: Bool {
        if case .tcp = kind { true } else { false }
    }

    private init(kind: Kind) { self.kind = kind }

    /// A Unix domain socket at `path`.
    public static func unixDomainSocket(path: String) -> ManagerAddress {
        ManagerAddress(kind: .unix(path: path))
    }

    /// A TCP address. A manager binds `host` (use `127.0.0.1` unless other machines must connect).
    /// Port 0 asks the system for a free port; the manager logs the one it got.
    public static func hostname(_ host: String, port: Int) -> ManagerAddress {
        ManagerAddress(kind: .tcp(host: host, port: port))
    }

    /// Parses `unix:PATH` or `tcp:HOST:PORT` (`tcp:[::1]:PORT` for IPv6).
    /// - Throws: ``ManagerError`` with a message that shows the accepted forms.
    public init(parsing text: String) throws(ManagerError) {
        let usage = "use unix:PATH or tcp:HOST:PORT, for example tcp:127.0.0.1:50000"
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw ManagerError(.valueError, "address '\(text)' has no path: \(usage)") }
            self = .unixDomainSocket(path: path)
        } else if text.hasPrefix("tcp:") {
            let rest = text.dropFirst(4)
            guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
                  (0...65535).contains(port)
            else { throw ManagerError(.valueError, "address '\(text)' has no valid port: \(usage)") }
            var host = String(rest[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { throw ManagerError(.valueError, "address '\(text)' has no host: \(usage)") }
            self = .hostname(host, port: port)
        } else {
            throw ManagerError(.valueError, "address '\(text)' is neither unix: nor tcp:; \(usage)")
        }
    }

    public var description: String {
        switch kind {
        case .unix(let path): "unix:\(path)"
        case .tcp(let host, let port): host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
        }
    }
}
