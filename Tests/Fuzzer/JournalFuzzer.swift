import DurableManager
import DurableWire
import Logging
import NIOCore
import NIOEmbedded

/// Bytes as the journal holds them, read and applied as a start-up does: a checkpointed state
/// restored, or records replayed. A damaged journal may be refused, never trap; and whatever a
/// restore or replay builds, a checkpoint must be able to write and read back.
enum JournalFuzzer {
    static let types = ["dict", "list", "Namespace", "Value", "Queue", "JoinableQueue", "WorkQueue"]
    static let first = UInt64(1) << ObjectReference.epochShift | 1

    /// The first byte chooses the type and whether the rest is a checkpointed state (even) or a
    /// list of records `[op, object (0 or 1), arguments]` (odd); the rest is one encoded value.
    static func run(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let typeID = types[Int(selector >> 1) % types.count]
        var buffer = ByteBuffer(bytes: input.dropFirst())
        guard let value = try? buffer.readValue(maxDepth: ValueNesting.stored) else { return }
        let loop = EmbeddedEventLoop()
        let store = ObjectStore(registry: .syncManager, epoch: 2, sessionGrace: .seconds(1), eventLoop: loop, logger: WireFuzzer.logger)
        // A replayed `drop` schedules a sweep, which holds the store: run it, or every input leaks one.
        defer { loop.run() }
        if selector & 1 == 0 {
            try? store.restore([JournalFile.StoredObject(id: first, typeID: typeID, name: "fuzz", state: restored(value, typeID))])
        } else {
            guard (try? store.replay([JournalRecord(seq: 1, time: 0, object: first, op: "create", arguments: [.string(typeID), .null, []])])) != nil else {
                fatalError("a new \(typeID) cannot be created by replay")
            }
            guard case .array(let records) = value else { return }
            for (index, record) in records.enumerated() {
                guard case .array(let parts) = record, parts.count == 3, case .string(let op) = parts[0],
                      case .int(let object) = parts[1], case .array(let arguments) = parts[2] else { continue }
                // A list repeated a million times is a valid record that just takes a second to
                // replay; the fuzzer looks for traps, not for slow valid input.
                if op.hasSuffix("mul__"), case .int(let times)? = arguments.first, times > 1000 { continue }
                let id = first + UInt64(object & 1)
                _ = try? store.replay([JournalRecord(seq: UInt64(index + 2), time: 0, object: id, op: op, arguments: arguments)])
            }
        }
        for (id, entry) in store.objects {
            checkReadsBack(entry.object.currentState, "the state of #\(id)")
            switch entry.object.checkpointChanges(everything: true) {
            case .whole(let state): checkReadsBack(state, "the checkpoint of #\(id)")
            case .blocks(let changes):
                checkReadsBack(changes.state, "the checkpointed state of #\(id)")
                for block in changes.writes { checkReadsBack(block.data, "block \(block.number) of #\(id)") }
            case nil: break
            }
        }
    }

    /// A dict is checkpointed as rows `[key, value, position]`; the other types whole.
    private static func restored(_ value: Value, _ typeID: String) -> RestoredState {
        guard typeID == "dict" else { return .whole(value) }
        guard case .array(let rows) = value else { return .entries([]) }
        return .entries(rows.compactMap { row in
            guard case .array(let parts) = row, parts.count == 3, case .int(let position) = parts[2] else { return nil }
            return DictEntryRow(key: parts[0], value: parts[1], position: position)
        })
    }

    /// What a checkpoint writes must read back, bit for bit, as the journal reads it.
    private static func checkReadsBack(_ value: Value, _ what: String) {
        var buffer = ByteBuffer()
        buffer.writeValue(value)
        guard let back = try? buffer.readValue(maxDepth: ValueNesting.stored), back == value else {
            fatalError("\(what) does not read back: \(value.nesting) levels deep")
        }
    }

    static var seeds: [[UInt8]] {
        func encoded(_ selector: UInt8, _ value: Value) -> [UInt8] {
            var buffer = ByteBuffer()
            buffer.writeValue(value)
            return [selector] + Array(buffer.readableBytesView)
        }
        return [
            encoded(0, [["k", 1, 0], [1.0, [2], 1]]),
            encoded(1, [["__setitem__", 0, ["k", 1]], ["update", 0, [[1: 2, true: 3]]], ["pop", 0, ["k"]], ["clear", 0, []]]),
            encoded(2, [1, "a", [2.5]]),
            encoded(3, [["append", 0, [1]], ["extend", 0, ["ab"]], ["__imul__", 0, [2]], ["sort", 0, []], ["drop", 0, []]]),
            encoded(4, ["x": 1]),
            encoded(5, [["__setattr__", 0, ["x", 1]], ["__delattr__", 0, ["x"]], ["unname", 0, []]]),
            encoded(7, [["set", 0, [[1, [2]]]]]),
            encoded(8, ["maxsize": 2, "items": [1, 2], "unfinished": 2]),
            encoded(9, [["put", 0, ["job"]], ["get", 0, []], ["task_done", 0, []], ["create", 1, ["list", "x", []]], ["append", 1, [1]]]),
            encoded(12, [
                "lease": 30.0, "maxDeliveries": 2, "nextTag": 3, "queued": [["item": 1, "deliveries": 0]],
                "leased": [["tag": 2, "item": "x", "deliveries": 1, "session": "s", "lease": 5.0]], "delayed": [], "dead": [],
            ]),
            encoded(13, [
                ["put", 0, ["job"]], ["take", 0, [1, "s", 5.0]], ["nack", 0, [1, 2.0, 1e9]], ["ready", 0, [1]],
                ["take", 0, [2, "s", 5.0]], ["expire", 0, [2]], ["extend", 0, [2, 1.0]], ["requeue_dead", 0, []],
            ]),
        ]
    }
}
