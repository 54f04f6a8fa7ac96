package import NIOCore

/// One call from a client: which object, which method, with what.
package struct Request: Sendable, Hashable {
    /// Chosen by the client, unique among its calls in flight; the reply carries it back.
    package var id: UInt64
    /// The target object's id; 0 is the manager itself.
    package var target: UInt64
    package var method: String
    package var arguments: [Value]
    /// Who, inside the client, makes the call: lock ownership is per (session, owner), as a
    /// Python lock's is per thread.
    package var owner: UInt64
    /// Every request of this session below this id has had its reply: the manager may forget
    /// those replies. Request ids grow, so a client that retries a call it never heard back from
    /// keeps this at or below that call's id.
    package var acknowledgedBelow: UInt64

    package init(id: UInt64, target: UInt64, method: String, arguments: [Value], owner: UInt64 = 0, acknowledgedBelow: UInt64 = 0) {
        self.id = id
        self.target = target
        self.method = method
        self.arguments = arguments
        self.owner = owner
        self.acknowledgedBelow = acknowledgedBelow
    }
}

/// Every message either side sends after the length prefix.
///
/// The handshake (`challenge`, `response`, `welcome`) comes first; then clients send `request`,
/// `cancel` and `release`, and the manager sends `reply`.
package enum WireMessage: Sendable, Hashable {
    /// Manager to client, first: the protocol version and a nonce to prove the authkey on.
    case challenge(version: UInt8, nonce: [UInt8])
    /// Client to manager: HMAC of the manager's nonce, the client's own nonce, and its session.
    case response(mac: [UInt8], nonce: [UInt8], session: String)
    /// Manager to client: HMAC of the client's nonce, and the manager's epoch.
    case welcome(mac: [UInt8], epoch: UInt64)
    case request(Request)
    /// The answer to request `id`. Id 0 answers no request: the connection itself failed.
    case reply(id: UInt64, result: Result<Value, ManagerError>)
    /// The client gives up on a parked call; the manager answers it with `Cancelled` unless it
    /// has already completed.
    case cancel(id: UInt64)
    /// The client dropped its proxies to these objects.
    case release(objects: [UInt64])

    private enum Kind: UInt8 {
        case challenge = 1, response, welcome, request, replyValue, replyError, cancel, release
    }

    /// The protocol version this build speaks. 2: requests carry `acknowledgedBelow`.
    package static let protocolVersion: UInt8 = 2

    /// Appends the message body (without the frame's length prefix).
    package func write(to buffer: inout ByteBuffer) {
        switch self {
        case .challenge(let version, let nonce):
            buffer.writeInteger(Kind.challenge.rawValue)
            buffer.writeInteger(version)
            buffer.writeValue(.bytes(nonce))
        case .response(let mac, let nonce, let session):
            buffer.writeInteger(Kind.response.rawValue)
            buffer.writeValue(.bytes(mac))
            buffer.writeValue(.bytes(nonce))
            buffer.writeLengthPrefixedString(session)
        case .welcome(let mac, let epoch):
            buffer.writeInteger(Kind.welcome.rawValue)
            buffer.writeValue(.bytes(mac))
            buffer.writeVarint(epoch)
        case .request(let request):
            buffer.writeInteger(Kind.request.rawValue)
            buffer.writeVarint(request.id)
            buffer.writeVarint(request.target)
            buffer.writeVarint(request.owner)
            buffer.writeVarint(request.acknowledgedBelow)
            buffer.writeLengthPrefixedString(request.method)
            buffer.writeVarint(UInt64(request.arguments.count))
            for argument in request.arguments { buffer.writeValue(argument) }
        case .reply(let id, .success(let value)):
            buffer.writeInteger(Kind.replyValue.rawValue)
            buffer.writeVarint(id)
            buffer.writeValue(value)
        case .reply(let id, .failure(let error)):
            buffer.writeInteger(Kind.replyError.rawValue)
            buffer.writeVarint(id)
            buffer.writeLengthPrefixedString(error.code.name)
            buffer.writeLengthPrefixedString(error.message)
        case .cancel(let id):
            buffer.writeInteger(Kind.cancel.rawValue)
            buffer.writeVarint(id)
        case .release(let objects):
            buffer.writeInteger(Kind.release.rawValue)
            buffer.writeVarint(UInt64(objects.count))
            for object in objects { buffer.writeVarint(object) }
        }
    }

    /// Reads a whole message body; the buffer must hold exactly one.
    /// - Parameter maxMemory: How much memory the message's values may take once decoded.
    /// - Throws: ``ValueCodingError`` when the bytes are not a message.
    package static func read(from buffer: inout ByteBuffer, maxDepth: Int, maxMemory: Int = .max) throws(ValueCodingError) -> WireMessage {
        var budget = maxMemory
        guard let rawKind = buffer.readInteger(as: UInt8.self) else { throw .truncated }
        guard let kind = Kind(rawValue: rawKind) else { throw .malformed("unknown message kind \(rawKind)") }
        let message: WireMessage
        switch kind {
        case .challenge:
            guard let version = buffer.readInteger(as: UInt8.self) else { throw .truncated }
            message = .challenge(version: version, nonce: try buffer.readBytesValue())
        case .response:
            let mac = try buffer.readBytesValue()
            let nonce = try buffer.readBytesValue()
            message = .response(mac: mac, nonce: nonce, session: try buffer.readLengthPrefixedString())
        case .welcome:
            let mac = try buffer.readBytesValue()
            message = .welcome(mac: mac, epoch: try buffer.readVarint())
        case .request:
            let id = try buffer.readVarint()
            let target = try buffer.readVarint()
            let owner = try buffer.readVarint()
            let acknowledgedBelow = try buffer.readVarint()
            let method = try buffer.readLengthPrefixedString()
            let count = try buffer.readVarint()
            guard count <= UInt64(buffer.readableBytes) else { throw .lengthTooLarge(Int(clamping: count)) }
            var arguments: [Value] = []
            arguments.reserveCapacity(min(Int(count), 64))
            for _ in 0..<count { arguments.append(try buffer.readValue(maxDepth: maxDepth, budget: &budget)) }
            message = .request(Request(id: id, target: target, method: method, arguments: arguments, owner: owner, acknowledgedBelow: acknowledgedBelow))
        case .replyValue:
            let id = try buffer.readVarint()
            message = .reply(id: id, result: .success(try buffer.readValue(maxDepth: maxDepth, budget: &budget)))
        case .replyError:
            let id = try buffer.readVarint()
            let code = ManagerError.Code(wireName: try buffer.readLengthPrefixedString())
            message = .reply(id: id, result: .failure(ManagerError(code, try buffer.readLengthPrefixedString())))
        case .cancel:
            message = .cancel(id: try buffer.readVarint())
        case .release:
            let count = try buffer.readVarint()
            guard count <= UInt64(buffer.readableBytes) else { throw .lengthTooLarge(Int(clamping: count)) }
            message = .release(objects: try (0..<count).map { _ throws(ValueCodingError) in try buffer.readVarint() })
        }
        guard buffer.readableBytes == 0 else {
            throw .malformed("\(buffer.readableBytes) bytes left after a \(kind) message")
        }
        return message
    }

    /// The request id in a message body, read without decoding the rest, so that a request
    /// whose arguments are malformed can still be answered.
    package static func peekRequestID(in buffer: ByteBuffer) -> UInt64? {
        var copy = buffer
        guard copy.readInteger(as: UInt8.self) == Kind.request.rawValue else { return nil }
        return try? copy.readVarint()
    }
}

extension ByteBuffer {
    fileprivate mutating func readBytesValue() throws(ValueCodingError) -> [UInt8] {
        guard case .bytes(let bytes) = try readValue(maxDepth: 0) else {
            throw .malformed("expected bytes")
        }
        return bytes
    }
}
