import DurableWire
import Logging
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Binds the manager's listening sockets.
enum Listener {
    /// Binds `address`, refusing to take over a Unix socket that another manager still serves.
    static func bind(
        _ address: ManagerAddress,
        on loop: any EventLoop,
        logger: Logger,
        childInitializer: @escaping @Sendable (any Channel) throws -> Void
    ) async throws -> (channel: any Channel, address: ManagerAddress) {
        // Out of file descriptors (or memory), accepting fails at once and again: the listener
        // pauses for a second instead of spinning, and says so.
        let exhausted = RateLimitedWarning("cannot accept connections: the process is out of file descriptors or memory; accepting pauses 1 s at a time (raise `ulimit -n`, or lower --max-connections)", logger: logger)
        let bootstrap = ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptPause(warning: exhausted))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try childInitializer(channel) }
            }
        let channel: any Channel
        do {
            switch address.kind {
            case .unix(let path):
                if access(path, F_OK) == 0 {
                    if await isServed(path: path, loop: loop) {
                        throw ManagerError(.valueError, "another manager is already listening at \(path); stop it or choose another --listen path")
                    }
                    logger.info("removing a stale socket file", metadata: ["path": "\(path)"])
                }
                channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            case .tcp(let host, let port):
                channel = try await bootstrap.bind(host: host, port: port).get()
            }
        } catch let error as ManagerError {
            throw error
        } catch {
            throw ManagerError(.valueError, "cannot listen on \(address): \(error)")
        }
        return (channel, try Listener.address(of: channel, requested: address))
    }

    /// The address as bound: for TCP port 0, the port the system chose.
    static func address(of channel: any Channel, requested: ManagerAddress) throws -> ManagerAddress {
        guard case .tcp(let host, _) = requested.kind, let port = channel.localAddress?.port else { return requested }
        return .hostname(host, port: port)
    }

    static func removeSocketFile(for address: ManagerAddress) {
        if case .unix(let path) = address.kind { unlink(path) }
    }

    private static func isServed(path: String, loop: any EventLoop) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: loop).connect(unixDomainSocketPath: path).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }
}
