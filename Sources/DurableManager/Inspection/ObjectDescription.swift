package import DurableWire
package import NIOCore
package import OrderedCollections

/// What an operator sees of a shared object now (`durablectl objects`, `show`, `sessions`), as
/// the object describes itself (``SharedObject/describe(at:)``).
///
/// Cheap to make and bounded whatever the object holds: counts, and at most
/// ``waitersShown`` waiters by name, so that listing every object of a busy manager costs
/// little on its loop.
package struct ObjectDescription {
    /// Who holds an object: a lock's holder, or a BoundedSemaphore's permits taken by a session.
    package struct Holder {
        package var session: String
        /// The caller inside the session (a task); nil for permits, which belong to the session.
        package var caller: UInt64?
        /// A lock's recursion depth, or the permits the session holds.
        package var count: Int
    }

    /// How many waiters a description names; the rest are counted.
    package static let waitersShown = 5

    /// Entries of a dict, items of a list or queue, attributes of a Namespace; nil for a type
    /// without a size.
    package var size: Int?
    /// The live state as a map, for JSON: `locked`, `holder`, `waiters`, `firstWaiters`...
    package var fields: OrderedDictionary<Value, Value> = [:]
    /// The same in a few words, for a table row: "held by session 9f2c caller 3 for 4.2 s".
    package var summary = "-"
    /// Who holds the object now; the sessions view finds each session's locks here.
    package var holders: [Holder] = []

    package init(size: Int? = nil, fields: OrderedDictionary<Value, Value> = [:], summary: String = "-", holders: [Holder] = []) {
        self.size = size
        self.fields = fields
        self.summary = summary
        self.holders = holders
    }

    /// Seconds from `start` to `now`, as JSON carries them.
    package static func seconds(from start: NIODeadline, to now: NIODeadline) -> Value {
        .double(elapsedSeconds(from: start, to: now))
    }

    /// "1 waiting: session 9f2c caller 3 for 2.0 s" or "3 waiting, the first session 9f2c caller
    /// 3 for 2.0 s", after `what`; nil when nobody waits.
    package static func waitingText<Payload>(_ waiters: WaiterQueue<Payload>, for what: String = "", at now: NIODeadline) -> String? {
        guard let first = waiters.first else { return nil }
        let who = "\(first.call.owner) for \(elapsedText(elapsedSeconds(from: first.parkedAt, to: now)))"
        let count = waiters.count == 1 ? "1 waiting\(what): " : "\(waiters.count) waiting\(what), the first "
        return count + who
    }
}
