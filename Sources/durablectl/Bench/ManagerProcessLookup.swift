import DurableWire
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The process of the manager at an address, found from this machine's side of a connection
/// to it, so that a run against `--connect` can read the manager's CPU as it reads the CPU of a
/// manager it started.
///
/// A Unix socket names its listener's process (`SO_PEERCRED`). A TCP connection has the
/// manager's end in this machine's socket table only when the manager runs here; the process
/// holding that socket is the manager.
enum ManagerProcessLookup: Sendable {
    case found(pid: Int32)
    /// Why not, in words that follow "manager CPU: unknown".
    case unknown(String)

    /// How long a TCP manager may take to accept the probe's connection.
    private static let acceptPatience = 200
    private static let acceptPoll: useconds_t = 10_000

    /// Connects once (without a handshake, which costs the manager nothing and counts as no
    /// failed login) and finds the process at the other end.
    ///
    /// It blocks while it connects and reads `/proc`: call it off the concurrency threads.
    static func lookUp(_ address: ManagerAddress) -> ManagerProcessLookup {
        switch address.kind {
        case .unix(let path): unixListener(path)
        case .tcp(let host, let port): tcpPeer(host: host, port: port)
        }
    }

    private static func unixListener(_ path: String) -> ManagerProcessLookup {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return .unknown("no socket to look with: \(errorText())") }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return .unknown("the socket path is too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { return .unknown("cannot connect to \(path) to find its process: \(errorText())") }
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }, which Swift's Glibc module does not import.
        var credentials: (pid: Int32, uid: UInt32, gid: UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: credentials))
        // A listener in another pid namespace shows as pid 0.
        guard getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0, credentials.pid > 0 else {
            return .unknown("the process listening on \(path) cannot be seen from here")
        }
        return .found(pid: credentials.pid)
    }

    private static func tcpPeer(host: String, port: Int) -> ManagerProcessLookup {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let list else {
            return .unknown("cannot resolve \(host) to find the manager's process")
        }
        defer { freeaddrinfo(list) }
        var next: UnsafeMutablePointer<addrinfo>? = list
        while let info = next?.pointee {
            next = info.ai_next
            let descriptor = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            if connect(descriptor, info.ai_addr, info.ai_addrlen) == 0 {
                return ownerOfAcceptedSocket(connectedBy: descriptor)
            }
        }
        return .unknown("cannot connect to \(host):\(port) to find its process")
    }

    /// The process holding the manager's end of the connection `descriptor`: the socket whose
    /// local address is this end's peer and whose remote address is this end.
    private static func ownerOfAcceptedSocket(connectedBy descriptor: Int32) -> ManagerProcessLookup {
        guard let ours = SocketTableAddress.local(of: descriptor), let theirs = SocketTableAddress.peer(of: descriptor) else {
            return .unknown("the connection's addresses cannot be read: \(errorText())")
        }
        // Until the manager accepts, its end is in the table with inode 0.
        for _ in 0..<acceptPatience {
            guard let inode = socketInode(local: theirs, remote: ours) else {
                return .unknown("--connect to a manager of another machine")
            }
            if inode != 0 {
                guard let pid = owner(ofSocket: inode) else {
                    return .unknown("no process readable from here holds the manager's socket")
                }
                return .found(pid: pid)
            }
            usleep(acceptPoll)
        }
        return .unknown("the manager did not accept a connection to find its process")
    }

    /// The inode of the socket from `local` to `remote` in this machine's TCP tables; 0 while
    /// it waits to be accepted; nil when there is none (the other end is another machine's).
    private static func socketInode(local: SocketTableAddress, remote: SocketTableAddress) -> UInt64? {
        for (table, localText, remoteText) in [("/proc/net/tcp", local.ipv4Text, remote.ipv4Text), ("/proc/net/tcp6", local.ipv6Text, remote.ipv6Text)] {
            guard let localText, let remoteText, let contents = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in contents.split(separator: "\n").dropFirst() {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                let fields = line.split(separator: " ")
                if fields.count > 9, fields[1] == localText, fields[2] == remoteText {
                    return UInt64(fields[9])
                }
            }
        }
        return nil
    }

    /// The process with a descriptor on the socket `inode`, by its `/proc/PID/fd` links.
    private static func owner(ofSocket inode: UInt64) -> Int32? {
        let link = "socket:[\(inode)]"
        let files = FileManager.default
        let ownPid = getpid()
        for entry in (try? files.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != ownPid,
                  let descriptors = try? files.contentsOfDirectory(atPath: "/proc/\(entry)/fd")
            else { continue }
            if descriptors.contains(where: { (try? files.destinationOfSymbolicLink(atPath: "/proc/\(entry)/fd/\($0)")) == link }) {
                return pid
            }
        }
        return nil
    }

    private static func errorText() -> String {
        String(cString: strerror(errno))
    }
}
