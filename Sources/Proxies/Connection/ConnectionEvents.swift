import Synchronization

/// Hands every ``ConnectionEvent`` to each of the sequences listening, as it happens.
///
/// Each listener has a buffer of the newest 100 events, so one that stops reading loses the
/// oldest, never holds up the connection.
final class ConnectionEvents: Sendable {
    private let listeners = Mutex<(next: Int, all: [Int: AsyncStream<ConnectionEvent>.Continuation])>((0, [:]))

    /// A new sequence of the events from now on.
    func stream() -> AsyncStream<ConnectionEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: ConnectionEvent.self, bufferingPolicy: .bufferingNewest(100))
        let key = listeners.withLock { listeners in
            defer { listeners.next += 1 }
            listeners.all[listeners.next] = continuation
            return listeners.next
        }
        continuation.onTermination = { [weak self] _ in
            self?.listeners.withLock { _ = $0.all.removeValue(forKey: key) }
        }
        return stream
    }

    func emit(_ event: ConnectionEvent) {
        for listener in listeners.withLock({ Array($0.all.values) }) { listener.yield(event) }
    }

    /// Ends every sequence: the connection is closed for good.
    func finish() {
        for listener in listeners.withLock({ Array($0.all.values) }) { listener.finish() }
    }
}
