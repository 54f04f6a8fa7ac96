import DurableWire
package import NIOCore

/// A client's session: it outlives short disconnects, holds the client's proxies' references
/// (so anonymous objects live while a proxy refers to them) and owns the locks its callers hold.
///
/// When its last connection closes, the session waits out a grace period for the client to come
/// back under the same id; then the store ends it, releasing what it held.
package final class Session {
    package let id: String
    /// How many proxies this client holds on each object.
    package private(set) var references: [UInt64: Int] = [:]
    package private(set) var connectionCount = 0
    /// When the client first opened the session.
    package let startedAt: NIODeadline
    /// When its last connection closed; nil while it has one. The grace period runs from here.
    package private(set) var disconnectedAt: NIODeadline?
    /// Its calls parked on objects now, by call, for an operator.
    private var parkedCalls: [ObjectIdentifier: ParkedCall] = [:]
    /// The pending end of a disconnected session, cancelled if the client comes back.
    var expiry: Scheduled<Void>?

    init(id: String, startedAt: NIODeadline) {
        self.id = id
        self.startedAt = startedAt
    }

    func connectionOpened() {
        connectionCount += 1
        disconnectedAt = nil
        expiry?.cancel()
        expiry = nil
    }

    func connectionClosed(at now: NIODeadline) {
        connectionCount -= 1
        if connectionCount == 0 { disconnectedAt = now }
    }

    /// A call of this session waits on `object` in `method`.
    package struct ParkedCall: Hashable {
        package var object: UInt64
        package var method: String
    }

    func callParked(_ call: PendingCall) {
        parkedCalls[ObjectIdentifier(call)] = ParkedCall(object: call.target, method: call.method)
    }

    func parkedCallEnded(_ call: PendingCall) {
        parkedCalls[ObjectIdentifier(call)] = nil
    }

    /// How many of its calls wait on each object in each method.
    package var waiting: [ParkedCall: Int] {
        parkedCalls.values.reduce(into: [:]) { counts, call in counts[call, default: 0] += 1 }
    }

    /// Every reference that leaves the manager in a reply becomes a proxy in the client.
    func noteReturned(_ result: Result<Value, ManagerError>) {
        guard case .success(let value) = result else { return }
        for reference in value.references {
            references[reference.id, default: 0] += 1
        }
    }

    /// A client that reconnected says how many proxies it holds on each object: that replaces
    /// what the session counted, since the client may have dropped or made some while away.
    func adopt(_ counts: [UInt64: Int]) {
        references = counts.filter { $0.value > 0 }
    }

    /// The client dropped a proxy. Returns true when that was the client's last one.
    func release(_ objectID: UInt64) -> Bool {
        guard let count = references[objectID] else { return false }
        if count <= 1 {
            references[objectID] = nil
            return true
        }
        references[objectID] = count - 1
        return false
    }
}
