import DequeModule
package import DurableWire

/// The replies of calls that changed something, by session and request id, so that a call a
/// client sends again (its connection dropped before the reply, or the manager restarted) gets
/// its first reply and changes nothing a second time.
///
/// A durable object's call is journaled with its reply, so the memory survives a crash: a start
/// rebuilds it from the checkpoint's `replies` table and the records after it. A client says
/// with every request which replies it has had (`acknowledgedBelow`), and those are forgotten.
/// Past ``capacity`` unacknowledged replies (a client that never acknowledges, such as a script
/// using idempotency keys), the oldest is forgotten and its session remembers that it was: a
/// retry of it is refused with `ReplyForgotten` rather than applied again. Past ``capacity``
/// such marks too, the oldest goes, and a retry that old would run again.
package final class ReplyMemory {
    package static let capacity = 100_000

    /// What is known of one request.
    enum Recall: Equatable {
        case unknown
        case reply(Value)
        /// Answered, and then forgotten to keep the memory bounded.
        case forgotten
        /// Answered, and the client said it had the reply.
        case acknowledged
    }

    /// One remembered reply, or a session's forgotten mark, as a checkpoint writes it.
    package struct Row: Sendable, Hashable {
        package var session: String
        package var request: UInt64
        /// Nil for a forgotten mark: every request of the session up to `request` is forgotten.
        package var reply: Value?

        package init(session: String, request: UInt64, reply: Value?) {
            self.session = session
            self.request = request
            self.reply = reply
        }
    }

    private struct Key: Hashable {
        var session: ExactString
        var request: UInt64
    }

    /// One session's replies, and the order they came in: ids grow, so acknowledging takes them
    /// off the front (a parked call that completes late may wait there until it is evicted).
    private struct SessionReplies {
        var byRequest: [UInt64: Value] = [:]
        var arrival: Deque<UInt64> = []

        /// Keeps `reply`; true when the request had none.
        mutating func keep(_ reply: Value, for request: UInt64) -> Bool {
            guard byRequest.updateValue(reply, forKey: request) == nil else { return false }
            arrival.append(request)
            return true
        }

        /// Forgets the reply of `request`: whether there was one, and whether none is left.
        mutating func drop(_ request: UInt64) -> (removed: Bool, empty: Bool) {
            (byRequest.removeValue(forKey: request) != nil, byRequest.isEmpty)
        }
    }

    private var sessions: [ExactString: SessionReplies] = [:]
    /// Every remembered reply, oldest first, for eviction; keys whose reply is gone are skipped.
    private var order: Deque<Key> = []
    package private(set) var count = 0
    private var acknowledgedBelow: [ExactString: UInt64] = [:]
    private var forgottenThrough: [ExactString: UInt64] = [:]
    private var forgottenOrder: Deque<ExactString> = []

    package init() {}

    func recall(session: String, request: UInt64) -> Recall {
        let session = ExactString(session)
        if let reply = sessions[session]?.byRequest[request] { return .reply(reply) }
        if request < acknowledgedBelow[session] ?? 0 { return .acknowledged }
        if request <= forgottenThrough[session] ?? 0 { return .forgotten }
        return .unknown
    }

    /// Keeps the reply of a call that changed something.
    func remember(session: String, request: UInt64, reply: Value) {
        let key = Key(session: ExactString(session), request: request)
        guard request >= acknowledgedBelow[key.session] ?? 0 else { return }
        // Changed in place, one lookup: a replay of a long journal remembers every record's reply.
        if sessions[key.session, default: SessionReplies()].keep(reply, for: request) {
            order.append(key)
            count += 1
        }
        while count > Self.capacity, let oldest = order.popFirst() {
            guard remove(oldest) else { continue }
            markForgotten(oldest)
        }
        // Acknowledged replies leave their keys behind in `order`; drop those now and then, so
        // that it stays proportional to what is remembered, not to every call ever made.
        if order.count > 2 * count + 1024 {
            order = Deque(order.filter { sessions[$0.session]?.byRequest[$0.request] != nil })
        }
    }

    @discardableResult
    private func remove(_ key: Key) -> Bool {
        guard let (removed, empty) = sessions[key.session]?.drop(key.request), removed else { return false }
        count -= 1
        if empty { sessions[key.session] = nil }
        return true
    }

    /// The client of `session` has every reply below `request`.
    func acknowledge(session: String, below request: UInt64) {
        let session = ExactString(session)
        guard request > acknowledgedBelow[session] ?? 0 else { return }
        acknowledgedBelow[session] = request
        while let first = sessions[session]?.arrival.first, first < request {
            sessions[session]?.arrival.removeFirst()
            remove(Key(session: session, request: first))
        }
    }

    /// A session ended: with nothing remembered for it, its acknowledgements are not needed
    /// (a client that comes back retries only calls it never acknowledged).
    func sessionEnded(_ session: String) {
        let session = ExactString(session)
        if sessions[session] == nil { acknowledgedBelow[session] = nil }
    }

    private func markForgotten(_ key: Key) {
        // One lookup; requests start at 1, so 0 is "no mark yet".
        if Self.raise(&forgottenThrough[key.session, default: 0], to: key.request) { forgottenOrder.append(key.session) }
        while forgottenThrough.count > Self.capacity, let oldest = forgottenOrder.popFirst() {
            forgottenThrough[oldest] = nil
        }
    }

    /// Raises `mark` to `request`; true when it was 0 (none).
    private static func raise(_ mark: inout UInt64, to request: UInt64) -> Bool {
        defer { mark = max(mark, request) }
        return mark == 0
    }

    /// Everything remembered, for a checkpoint's `replies` table.
    package var rows: [Row] {
        order.compactMap { key in sessions[key.session]?.byRequest[key.request].map { Row(session: key.session.string, request: key.request, reply: $0) } }
            + forgottenOrder.compactMap { session in forgottenThrough[session].map { Row(session: session.string, request: $0, reply: nil) } }
    }

    /// Takes back what a checkpoint wrote.
    package func restore(_ rows: [Row]) {
        for row in rows {
            if let reply = row.reply {
                remember(session: row.session, request: row.request, reply: reply)
            } else {
                markForgotten(Key(session: ExactString(row.session), request: row.request))
            }
        }
    }
}
