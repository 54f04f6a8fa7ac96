import DurableWire
import Logging
import OrderedCollections
import NIOCore
import PythonProtocol

/// What every CPython client connection of one manager shares, on the manager's loop.
///
/// CPython counts references to an object per process, not per connection: a proxy increfs
/// and decrefs over short connections of their own, and the connection a thread calls through
/// may close while its proxies live. So the counts live in one session that never ends
/// (``referenceSession``), as they live in CPython's server, and an object is dropped when its
/// count falls to zero. Locks belong to each connection's own session (a CPython client thread
/// has its own connection), so a client that dies lets its locks go after the grace period.
final class PythonPeers {
    let store: ObjectStore
    let handshake: PythonHandshake
    let throttle: LoginThrottle
    let maxFrameSize: Int
    let handshakeTimeout: TimeAmount
    let logger: Logger
    /// Holds CPython's reference counts: `create` and `incref` add one, `decref` takes one.
    let referenceSession: Session
    /// Dict iterators handed out by `__iter__`, by ident, oldest first, with their reference
    /// counts: they live in memory only, as in CPython's server.
    var iterators: OrderedDictionary<String, (keys: [Value], position: Int, references: Int)> = [:]
    /// What the iterators may hold: a client that makes iterators and never decrefs them (or
    /// dies first) must not grow the manager without end, so past these the oldest goes, and
    /// its next `__next__` is told it expired.
    static let maxIterators = 1024
    static let maxIteratorKeys = 4_000_000
    private var nextIterator = 1
    private var nextConnection = 1

    init(store: ObjectStore, authkey: Authkey, throttle: LoginThrottle, maxFrameSize: Int, handshakeTimeout: TimeAmount, logger: Logger) {
        self.store = store
        self.handshake = PythonHandshake(authkey: authkey.bytes)
        self.throttle = throttle
        self.maxFrameSize = maxFrameSize
        self.handshakeTimeout = handshakeTimeout
        self.logger = logger
        referenceSession = store.openSession(id: "python:proxies")
    }

    /// A session id for one CPython connection (one client thread).
    func newConnectionSessionID() -> String {
        defer { nextConnection += 1 }
        return "python:\(store.epoch):\(nextConnection)"
    }

    /// Keeps `keys` as a new iterator; its count starts at one, as CPython's `create` does.
    func keepIterator(_ keys: [Value]) -> String {
        defer { nextIterator += 1 }
        let ident = "iterator-\(nextIterator)"
        iterators[ident] = (keys, 0, 1)
        var held = iterators.values.reduce(0) { $0 + $1.keys.count }
        while iterators.count > 1, iterators.count > Self.maxIterators || held > Self.maxIteratorKeys {
            held -= iterators.removeFirst().value.keys.count
        }
        return ident
    }
}
