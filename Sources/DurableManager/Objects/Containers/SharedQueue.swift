package import NIOCore
package import DequeModule
package import DurableWire
import OrderedCollections

/// A shared `Queue` or `JoinableQueue`: FIFO, optionally bounded, with blocking `put` and `get`.
///
/// A `get` that finds the queue empty parks; a `put` hands its item straight to the
/// longest-waiting getter. A `put` on a full bounded queue parks until a `get` makes room.
/// A parked call whose client disconnects is taken off the queue first, so no item is ever
/// handed to a caller who cannot receive it.
package final class SharedQueue: SharedObject {
    package private(set) var items: Deque<Value>
    /// The encoded bytes of the items, so that a put past `--max-value-size` is refused.
    private var itemsSize: Int
    /// 0 or less: unbounded, as in Python.
    package let maxsize: Int
    let joinable: Bool
    /// Items put and not yet marked done (JoinableQueue).
    package private(set) var unfinished = 0

    /// The position of the first item: items keep theirs while queued, so a checkpoint writes
    /// the blocks of items put and deletes those of items taken since the last (``ItemBlocks``).
    private var head: Int64
    private var blocks: ItemBlocks
    /// `unfinished` changed since the last checkpoint (the items' changes are the blocks').
    private var changedSinceCheckpoint = false
    private let getters = WaiterQueue<Void>()
    private let putters = WaiterQueue<Value>()
    private let joiners = WaiterQueue<Void>()

    package var hasParkedCalls: Bool { !getters.isEmpty || !putters.isEmpty || !joiners.isEmpty }

    /// - Parameters:
    ///   - head: The position of the first item.
    ///   - checkpointed: The items are what the checkpoint holds (restored from its blocks).
    init(maxsize: Int, joinable: Bool, items: Deque<Value> = [], unfinished: Int = 0, head: Int64 = 0, checkpointed: Bool = false) {
        self.maxsize = maxsize
        self.joinable = joinable
        self.items = items
        itemsSize = items.reduce(0) { $0 + $1.encodedSize }
        self.unfinished = unfinished
        self.head = head
        blocks = ItemBlocks(written: checkpointed ? head..<head + Int64(items.count) : 0..<0)
        changedSinceCheckpoint = !checkpointed
    }

    /// Python's `queue.Queue` has `task_done` and `join` too; a JoinableQueue differs only in name.
    private static let queueMethods: Set<String> = [
        "put", "get", "put_nowait", "get_nowait", "qsize", "empty", "full", "task_done", "join",
    ]

    package static let type = queueType(typeID: "Queue", joinable: false)
    package static let joinableType = queueType(typeID: "JoinableQueue", joinable: true)

    private static func queueType(typeID: String, joinable: Bool) -> SharedObjectType {
        SharedObjectType(
            typeID: typeID,
            exposed: queueMethods,
            mutating: ["put", "get", "put_nowait", "get_nowait", "task_done"],
            journaling: .records,
            create: { arguments, _ throws(ManagerError) in
                try arguments.expect(0...1)
                return SharedQueue(maxsize: Int(try arguments.int(0, default: 0)), joinable: joinable)
            },
            restore: { state throws(ManagerError) in
                switch state {
                case .items(.map(let fields), let items, let first) where first >= 0 && fields["items"] == nil:
                    guard case .int(let maxsize)? = fields["maxsize"], case .int(let unfinished)? = fields["unfinished"] else { break }
                    return SharedQueue(
                        maxsize: Int(maxsize), joinable: joinable, items: Deque(items), unfinished: Int(unfinished), head: first, checkpointed: true
                    )
                // A journal before schema 4, an export, the fuzzer: the whole queue.
                case .whole(.map(let fields)):
                    guard case .int(let maxsize)? = fields["maxsize"], case .array(let items)? = fields["items"],
                          case .int(let unfinished)? = fields["unfinished"] else { break }
                    return SharedQueue(maxsize: Int(maxsize), joinable: joinable, items: Deque(items), unfinished: Int(unfinished))
                default:
                    break
                }
                throw ManagerError(.valueError, "a queue is restored from {maxsize, unfinished} and its items, or {maxsize, items, unfinished}")
            },
            checkpointLayout: .items
        )
    }

    /// Journal records: `put [item]` appends, `get []` takes the front item, `task_done []`.
    package func replay(_ op: String, _ arguments: Arguments) throws(ManagerError) {
        changedSinceCheckpoint = true
        switch op {
        case "put":
            try arguments.expect(1...1)
            append(arguments[0])
            unfinished += 1
        case "get":
            guard popFirst() != nil else { throw ManagerError(.valueError, "journal: get from an empty queue") }
        case "task_done":
            unfinished -= 1
        default:
            throw ManagerError(.valueError, "journal: unknown queue record \(op)")
        }
    }

    package func checkpointChanges(everything: Bool) -> CheckpointChanges? {
        defer { changedSinceCheckpoint = false }
        let fields: Value = ["maxsize": .int(Int64(maxsize)), "unfinished": .int(Int64(unfinished))]
        return blocks.changes(items, at: positions, state: fields, stateChanged: changedSinceCheckpoint, everything: everything)
            .map(CheckpointChanges.blocks)
    }

    package var blockRows: Int { ItemBlocks.blockCount(positions) }

    /// The items' positions.
    private var positions: Range<Int64> { head..<head + Int64(items.count) }

    package var currentState: Value {
        ["maxsize": .int(Int64(maxsize)), "items": .array(Array(items)), "unfinished": .int(Int64(unfinished))]
    }

    package func describe(at now: NIODeadline) -> ObjectDescription {
        let fields: OrderedDictionary<Value, Value> = [
            "maxsize": .int(Int64(maxsize)), "unfinished": .int(Int64(unfinished)),
            "getters": .int(Int64(getters.count)), "putters": .int(Int64(putters.count)), "joiners": .int(Int64(joiners.count)),
        ]
        var notes: [String] = []
        if isFull { notes.append("full (maxsize \(maxsize))") }
        for (count, what) in [(getters.count, "to get"), (putters.count, "to put"), (joiners.count, "in join")] where count > 0 {
            notes.append("\(count) waiting \(what)")
        }
        // A plain Queue counts unfinished items too, but only a JoinableQueue's users mark them done.
        if joinable, unfinished > 0 { notes.append("\(unfinished) unfinished") }
        return ObjectDescription(size: items.count, fields: fields, summary: notes.isEmpty ? "-" : notes.joined(separator: "; "))
    }

    package func failWaiters(_ error: ManagerError) {
        for waiter in getters.removeAll() { waiter.call.complete(.failure(error)) }
        for waiter in putters.removeAll() { waiter.call.complete(.failure(error)) }
        for waiter in joiners.removeAll() { waiter.call.complete(.failure(error)) }
    }

    /// Appends a record for this queue; every change of its items goes through here.
    /// - Parameter reply: What `call` answers: a taken item, or None.
    private func record(_ op: String, _ arguments: [Value] = [], _ call: PendingCall, reply: Value = .null) {
        changedSinceCheckpoint = true
        call.record(op, arguments, reply: reply)
    }

    private var isFull: Bool { maxsize > 0 && items.count >= maxsize }

    private func append(_ item: Value) {
        items.append(item)
        itemsSize += item.encodedSize
    }

    private func popFirst() -> Value? {
        guard let item = items.popFirst() else { return nil }
        head += 1
        itemsSize -= item.encodedSize
        return item
    }

    package func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        switch method {
        case "put", "put_nowait":
            try arguments.expect(method == "put" ? 1...3 : 1...1)
            let block = method == "put" ? try arguments.bool(1, default: true) : false
            // The state a checkpoint writes: the items and a few fields around them.
            try arguments.checkSize(64 + itemsSize + arguments[0].encodedSize, of: "the queue")
            // Python reads the timeout of a put only when it can wait: blocking, on a bounded queue.
            let timeout = maxsize > 0 && block ? try arguments.timeout(2) : nil
            return try put(arguments[0], block: block, timeout: timeout, call)
        case "get", "get_nowait":
            try arguments.expect(method == "get" ? 0...2 : 0...0)
            let block = method == "get" ? try arguments.bool(0, default: true) : false
            let timeout = block ? try arguments.timeout(1) : nil
            return try get(block: block, timeout: timeout, call)
        case "qsize":
            try arguments.expect(0...0)
            return .returned(.int(Int64(items.count)))
        case "empty":
            try arguments.expect(0...0)
            return .returned(.bool(items.isEmpty))
        case "full":
            try arguments.expect(0...0)
            return .returned(.bool(isFull))
        case "task_done":
            try arguments.expect(0...0)
            guard unfinished > 0 else { throw ManagerError(.valueError, "task_done() called too many times") }
            unfinished -= 1
            record("task_done", [], call)
            if unfinished == 0 {
                while let joiner = joiners.popFirst() { joiner.call.complete(.success(.null)) }
            }
            return .returned(.null)
        case "join":
            try arguments.expect(0...0)
            guard unfinished > 0 else { return .returned(.null) }
            joiners.park(call, payload: (), timeout: nil) { _ in }
            return .parked
        default:
            throw ManagerError(.notExposed, "\(joinable ? "JoinableQueue" : "Queue") has no method \(method)")
        }
    }

    package var heldReferences: [ObjectReference] {
        items.flatMap(\.references) + putters.payloads.flatMap(\.references)
    }

    private func put(_ item: Value, block: Bool, timeout: TimeAmount?, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        if isFull {
            guard block, timeout != .zero else { throw ManagerError(.full, "the queue is full (maxsize \(maxsize))") }
            putters.park(call, payload: item, timeout: timeout) { waiter in
                waiter.call.complete(.failure(ManagerError(.full, "the queue stayed full (maxsize \(self.maxsize)) until the timeout")))
            }
            return .parked
        }
        enqueue(item, call)
        return .returned(.null)
    }

    private func get(block: Bool, timeout: TimeAmount?, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        guard let item = popFirst() else {
            guard block, timeout != .zero else { throw ManagerError(.empty, "the queue is empty") }
            getters.park(call, payload: (), timeout: timeout) { waiter in
                waiter.call.complete(.failure(ManagerError(.empty, "the queue stayed empty until the timeout")))
            }
            return .parked
        }
        record("get", [], call, reply: item)
        if let putter = putters.popFirst() {
            enqueue(putter.payload, putter.call)
            putter.call.complete(.success(.null))
        }
        return .returned(item)
    }

    /// Counts the item as unfinished and gives it to the longest-waiting getter, or keeps it.
    /// The journal sees a put and then a get, which is what happened.
    private func enqueue(_ item: Value, _ call: PendingCall) {
        unfinished += 1
        record("put", [item], call)
        if let getter = getters.popFirst() {
            record("get", [], getter.call, reply: item)
            getter.call.complete(.success(item))
        } else {
            append(item)
        }
    }
}
