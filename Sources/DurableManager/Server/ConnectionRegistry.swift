import NIOCore
import Synchronization

/// The open client connections, so that a stopping manager can close them and a manager at
/// its `maxConnections` can refuse one more.
final class ConnectionRegistry: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// Counts `channel` in, unless `limit` connections are already open.
    /// - Returns: false when the manager is full; the channel is not counted.
    func add(_ channel: any Channel, limit: Int) -> Bool {
        let key = ObjectIdentifier(channel)
        let added = channels.withLock { channels in
            guard channels.count < limit else { return false }
            channels[key] = channel
            return true
        }
        guard added else { return false }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.channels.withLock { _ = $0.removeValue(forKey: key) }
        }
        return true
    }

    func closeAll() async {
        let open = channels.withLock { Array($0.values) }
        for channel in open { try? await channel.close() }
    }
}
