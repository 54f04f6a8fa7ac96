import DurableWire
import Logging
import NIOCore
import PythonProtocol

extension ManagerServer {
    /// Binds the listeners for CPython's `multiprocessing.managers` clients
    /// (``Configuration/pythonAddresses``), which serve the same store as the native ones.
    /// CPython's protocol has no TLS, so these stay plain on TCP too.
    static func bindPythonListeners(
        _ configuration: Configuration, store: NIOLoopBound<ObjectStore>, throttle: NIOLoopBound<LoginThrottle>,
        connections: ConnectionRegistry, full: RateLimitedWarning, on loop: any EventLoop, logger: Logger
    ) async throws -> [(channel: any Channel, address: ManagerAddress)] {
        guard !configuration.pythonAddresses.isEmpty else { return [] }
        let authkey = configuration.authkey
        let peers = try await loop.submit {
            NIOLoopBound(
                PythonPeers(
                    store: store.value, authkey: authkey, throttle: throttle.value, maxFrameSize: configuration.maxFrameSize,
                    handshakeTimeout: configuration.handshakeTimeout, logger: logger
                ),
                eventLoop: loop
            )
        }.get()
        var bound: [(channel: any Channel, address: ManagerAddress)] = []
        do {
            for address in configuration.pythonAddresses {
                // The token address every proxy connects back to: the port is known once bound.
                var tokenAddress: PickleValue? = pythonAddress(address)
                if case .tcp(_, 0) = address.kind { tokenAddress = nil }
                let fixedAddress = tokenAddress
                let listener = try await Listener.bind(address, on: loop, logger: logger) { channel in
                    guard connections.add(channel, limit: configuration.maxConnections) else {
                        full.happened()
                        channel.close(promise: nil)
                        return
                    }
                    try channel.pipeline.syncOperations.addPythonConnectionHandlers(
                        peers: peers.value, address: fixedAddress
                    )
                }
                bound.append(listener)
                logger.info("listening for Python clients", metadata: ["address": "\(listener.address)"])
                if listener.address.isReachableFromOtherHosts {
                    logger.warning(
                        "serving CPython's multiprocessing protocol on \(listener.address), which other hosts can reach: it has no encryption, so anyone on the network path reads every value and call; listen on 127.0.0.1 or a Unix socket"
                    )
                }
            }
        } catch {
            for listener in bound { try? await listener.channel.close() }
            throw error
        }
        return bound
    }

    /// The address as CPython names it: a Unix socket's path, or `(host, port)`.
    /// A TCP port 0 is named by each connection's own local address instead.
    static func pythonAddress(_ address: ManagerAddress) -> PickleValue {
        switch address.kind {
        case .unix(let path): .string(path)
        case .tcp(let host, let port): .tuple([.string(host), .int(Int64(port))])
        }
    }
}
