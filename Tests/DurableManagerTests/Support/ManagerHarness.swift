@testable import DurableManager
import DurableWire
import Logging
import NIOCore
import NIOEmbedded

/// A manager without sockets: the real store and connection handler on an `EmbeddedEventLoop`,
/// so tests drive calls, parked waiters and timeouts deterministically (`advance(by:)`).
final class ManagerHarness {
    let loop = EmbeddedEventLoop()
    let store: ObjectStore
    let authkey = Authkey(bytes: Array("harness-key".utf8))
    /// The next request id of each session: a client that reconnects goes on numbering its calls
    /// where it left off, as a real one does (a repeated id is a retry of the same call).
    var nextRequestIDs: [String: UInt64] = [:]

    init(sessionGrace: TimeAmount = .seconds(5), registry: TypeRegistry = .syncManager, epoch: UInt64 = 1) {
        store = ObjectStore(
            registry: registry, epoch: epoch, sessionGrace: sessionGrace, eventLoop: loop, logger: Logger(label: "test")
        )
    }

    /// Opens a connection and completes the handshake.
    func connect(session: String = "session-\(UInt64.random(in: 0...UInt64.max))") throws -> HarnessClient {
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(
            ServerConnectionHandler(store: store, authkey: authkey, handshakeTimeout: .seconds(10), throttle: LoginThrottle(), logger: Logger(label: "test"))
        )
        let client = HarnessClient(channel: channel, harness: self, session: session)
        try channel.connect(to: SocketAddress(unixDomainSocketPath: "/harness")).wait()
        guard case .challenge(_, let nonce) = try client.nextOutbound() else {
            throw HarnessError("no challenge from the manager")
        }
        try channel.writeInbound(InboundFrame.message(.response(mac: authkey.mac(for: nonce), nonce: [1, 2, 3], session: session)))
        guard case .welcome(let mac, _) = try client.nextOutbound(), authkey.isValid(mac: mac, for: [1, 2, 3]) else {
            throw HarnessError("no valid welcome from the manager")
        }
        return client
    }

    /// Moves the embedded clock: timeouts and session expiries due by then fire.
    func advance(by amount: TimeAmount) {
        loop.advanceTime(by: amount)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One client connection to a ``ManagerHarness``.
final class HarnessClient {
    let channel: EmbeddedChannel
    private let harness: ManagerHarness
    private let session: String
    private var replies: [UInt64: Result<Value, ManagerError>] = [:]
    /// Replies with id 0: the connection itself failed.
    private(set) var connectionErrors: [ManagerError] = []
    /// The caller (task) inside this client that makes the calls.
    var owner: UInt64 = 1

    init(channel: EmbeddedChannel, harness: ManagerHarness, session: String) {
        self.channel = channel
        self.harness = harness
        self.session = session
    }

    func nextOutbound() throws -> WireMessage? {
        try channel.readOutbound(as: WireMessage.self)
    }

    /// Sends a call without waiting; returns its request id.
    @discardableResult
    func send(_ target: UInt64, _ method: String, _ arguments: [Value] = []) throws -> UInt64 {
        let id = harness.nextRequestIDs[session, default: 1]
        harness.nextRequestIDs[session] = id + 1
        try channel.writeInbound(InboundFrame.message(.request(Request(id: id, target: target, method: method, arguments: arguments, owner: owner))))
        return id
    }

    func send(_ object: ObjectReference, _ method: String, _ arguments: [Value] = []) throws -> UInt64 {
        try send(object.id, method, arguments)
    }

    /// The reply to `id` if it has come, nil while the call is parked.
    func reply(_ id: UInt64) throws -> Result<Value, ManagerError>? {
        while let message = try nextOutbound() {
            guard case .reply(let replyID, let result) = message else { continue }
            if replyID == 0, case .failure(let error) = result { connectionErrors.append(error) }
            replies[replyID] = result
        }
        return replies.removeValue(forKey: id)
    }

    /// Calls and expects an answer at once.
    func call(_ object: ObjectReference, _ method: String, _ arguments: [Value] = []) throws -> Result<Value, ManagerError> {
        try call(object.id, method, arguments)
    }

    func call(_ target: UInt64, _ method: String, _ arguments: [Value] = []) throws -> Result<Value, ManagerError> {
        let id = try send(target, method, arguments)
        guard let result = try reply(id) else { throw HarnessError("\(method) parked, expected an answer at once") }
        return result
    }

    /// Calls and expects success.
    @discardableResult
    func value(_ object: ObjectReference, _ method: String, _ arguments: [Value] = []) throws -> Value {
        try call(object, method, arguments).get()
    }

    /// Calls and expects a failure; returns its code.
    func errorCode(_ object: ObjectReference, _ method: String, _ arguments: [Value] = []) throws -> ManagerError.Code? {
        guard case .failure(let error) = try call(object, method, arguments) else { return nil }
        return error.code
    }

    /// Creates (or opens) an object through the manager object.
    func create(_ typeID: String, name: String? = nil, _ arguments: [Value] = []) throws -> ObjectReference {
        guard case .reference(let reference) = try call(0, "create", [.string(typeID), name.map(Value.string) ?? .null, .array(arguments)]).get() else {
            throw HarnessError("create did not return a reference")
        }
        return reference
    }

    func cancel(_ id: UInt64) throws {
        try channel.writeInbound(InboundFrame.message(.cancel(id: id)))
    }

    func release(_ objects: [ObjectReference]) throws {
        try channel.writeInbound(InboundFrame.message(.release(objects: objects.map(\.id))))
    }

    /// Drops the connection as a dying client would.
    func disconnect() throws {
        try channel.close().wait()
    }
}
