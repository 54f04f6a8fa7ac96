import DurableManager
import DurableWire
import Logging
import NIOCore
import NIOEmbedded

/// Bytes from a peer, before or after it logs in, through the manager's real frame decoder,
/// connection handler and store. Every frame the manager writes back must be one a client can
/// read; a trap anywhere is what libFuzzer looks for.
enum WireFuzzer {
    static let authkey = Authkey(bytes: Array(repeating: 7, count: 32))
    static let logger = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The first byte chooses whether the rest arrives before the handshake (even) or after it
    /// (odd); the rest is written to the connection as it is.
    static func run(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        let loop = EmbeddedEventLoop()
        let store = ObjectStore(registry: .syncManager, epoch: 1, sessionGrace: .seconds(1), eventLoop: loop, logger: logger)
        let channel = EmbeddedChannel(loop: loop)
        var replies = ReplyReader()
        do {
            try channel.pipeline.syncOperations.addManagerConnectionHandlers(
                store: store, authkey: authkey, maxFrameSize: 1 << 20, handshakeTimeout: .seconds(10), logger: logger
            )
            try channel.connect(to: SocketAddress(unixDomainSocketPath: "/fuzz")).wait()
            guard case .challenge(_, let nonce)? = try replies.next(from: channel) else { fatalError("no challenge") }
            if mode & 1 == 1 {
                try channel.writeInbound(frame(.response(mac: authkey.mac(for: nonce), nonce: [1], session: "fuzz")))
                guard case .welcome? = try replies.next(from: channel) else { fatalError("no welcome") }
            }
            try channel.writeInbound(ByteBuffer(bytes: input.dropFirst()))
        } catch {
            // A refused frame closes the channel: an answer, not a failure.
        }
        // Every timeout due fires: calls parked with the longest timeout, the session's expiry.
        loop.advanceTime(by: .hours(24 * 366 * 40))
        do {
            while try replies.next(from: channel) != nil {}
        } catch {
            fatalError("the manager wrote a frame a client cannot read: \(error)")
        }
        _ = try? channel.finish()
        loop.advanceTime(by: .hours(24 * 366 * 40))
    }

    static func frame(_ message: WireMessage) -> ByteBuffer {
        var body = ByteBuffer()
        message.write(to: &body)
        var frame = ByteBuffer()
        frame.writeInteger(UInt32(body.readableBytes))
        frame.writeBuffer(&body)
        return frame
    }

    /// Valid sessions to start from: every type created and called, blocking calls, a cancel
    /// and a release, and a wrong login.
    static var seeds: [[UInt8]] {
        func bytes(_ message: WireMessage) -> [UInt8] { Array(frame(message).readableBytesView) }
        let first = UInt64(1) << ObjectReference.epochShift | 1
        let sessions: [(String, [(String, [Value])])] = [
            ("dict", [("__setitem__", ["k", [1, [2]]]), ("update", [[1: 2]]), ("popitem", []), ("items", [])]),
            ("list", [("append", [1.5]), ("extend", ["ab"]), ("__imul__", [3]), ("sort", []), ("pop", [0])]),
            ("Namespace", [("__setattr__", ["x", 1]), ("__getattr__", ["x"]), ("_getvalue", [])]),
            ("Queue", [("get", [true, 0.5]), ("put", ["job"]), ("task_done", []), ("join", [])]),
            ("Semaphore", [("acquire", []), ("acquire", [true, 1]), ("release", [2])]),
            ("Lock", [("acquire", []), ("acquire", [true, 0.1]), ("release", [])]),
            ("Event", [("wait", [1]), ("set", [])]),
            ("Barrier", [("wait", []), ("abort", [])]),
        ]
        var seeds: [[UInt8]] = sessions.map { typeID, calls in
            var session: [UInt8] = [1]
            session += bytes(.request(Request(id: 1, target: 0, method: "create", arguments: [.string(typeID), .null, typeID == "Barrier" ? [2] : []])))
            for (index, call) in calls.enumerated() {
                session += bytes(.request(Request(id: UInt64(index + 2), target: first, method: call.0, arguments: call.1)))
            }
            return session + bytes(.cancel(id: 2)) + bytes(.release(objects: [first]))
        }
        seeds.append([0] + bytes(.response(mac: Array(repeating: 0, count: 32), nonce: [1], session: "x")))
        return seeds
    }
}

/// Reads the frames the manager wrote as a client does.
struct ReplyReader {
    private var pending = ByteBuffer()

    mutating func next(from channel: EmbeddedChannel) throws -> WireMessage? {
        while let chunk = try channel.readOutbound(as: ByteBuffer.self) {
            var chunk = chunk
            pending.writeBuffer(&chunk)
        }
        guard let length = pending.getInteger(at: pending.readerIndex, as: UInt32.self),
              pending.readableBytes >= 4 + Int(length) else { return nil }
        pending.moveReaderIndex(forwardBy: 4)
        var body = pending.readSlice(length: Int(length))!
        return try WireMessage.read(from: &body, maxDepth: ValueNesting.stored)
    }
}
