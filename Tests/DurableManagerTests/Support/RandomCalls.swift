import DurableWire
import OrderedCollections

/// A seeded generator (SplitMix64): the same seed makes the same sequence of calls, so a failure
/// is replayed with `MODEL_SEED`.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random calls for the model test: every method of every built-in type, mostly with the
/// arguments it takes (so calls succeed and change state), often with what a hostile or careless
/// client sends instead (wrong kinds, extreme numbers, NaN, deep nesting, non-NFC strings).
struct RandomCalls {
    var rng: SeededGenerator
    /// The tags each WorkQueue's takes handed out lately, so that acks, nacks and extends name them.
    var recentTags: [UInt64: [Int64]] = [:]

    static let durableTypes = ["dict", "list", "Namespace", "Value", "Queue", "JoinableQueue", "WorkQueue"]
    static let primitiveTypes = ["Lock", "RLock", "Semaphore", "BoundedSemaphore", "Event", "Barrier", "Condition"]

    static let methods: [String: [String]] = [
        "dict": [
            "__getitem__", "__setitem__", "__setitem__", "__setitem__", "__delitem__", "__contains__", "__len__", "get", "keys",
            "values", "items", "pop", "popitem", "setdefault", "update", "update", "clear", "copy",
        ],
        "list": [
            "__getitem__", "__setitem__", "__delitem__", "__contains__", "__len__", "append", "append", "append", "extend",
            "insert", "pop", "remove", "index", "count", "reverse", "sort", "clear", "copy", "__add__", "__mul__", "__rmul__",
            "__iadd__", "__imul__", "__reversed__",
        ],
        "Namespace": ["__getattr__", "__setattr__", "__setattr__", "__delattr__", "_getvalue"],
        "Value": ["get", "set", "set"],
        "Queue": ["put", "put", "get", "put_nowait", "get_nowait", "qsize", "empty", "full", "task_done", "join"],
        "JoinableQueue": ["put", "put", "get", "put_nowait", "get_nowait", "qsize", "empty", "full", "task_done", "join"],
        "WorkQueue": [
            "put", "put", "put", "take", "take", "take", "take", "ack", "ack", "nack", "nack", "extend", "qsize", "leased", "dead",
            "requeue_dead",
        ],
        "Lock": ["acquire", "release", "locked"],
        "RLock": ["acquire", "release", "locked"],
        "Semaphore": ["acquire", "release", "get_value"],
        "BoundedSemaphore": ["acquire", "release", "get_value"],
        "Event": ["set", "clear", "is_set", "wait"],
        "Barrier": ["wait", "reset", "abort", "parties", "n_waiting", "broken"],
        "Condition": ["acquire", "acquire", "release", "wait", "notify", "notify_all"],
    ]

    mutating func chance(_ percent: Int) -> Bool {
        Int.random(in: 0..<100, using: &rng) < percent
    }

    mutating func pick<T>(_ choices: [T]) -> T {
        choices.randomElement(using: &rng)!
    }

    /// A method of `typeID`, or now and then one it does not have.
    mutating func method(of typeID: String) -> String {
        chance(3) ? pick(["__init__", "_private", "no_such_method", ""]) : pick(Self.methods[typeID] ?? ["get"])
    }

    /// Arguments for `method` of `object`, a `typeID`: a WorkQueue's own methods, whose names
    /// other types use with other arguments (`extend`), get theirs.
    mutating func arguments(for method: String, of typeID: String, on object: UInt64) -> [Value] {
        guard typeID == "WorkQueue", !chance(8) else { return arguments(for: method) }
        switch method {
        case "take": return chance(20) ? [] : [.bool(chance(70)), timeout(), lease()]
        case "ack": return [tag(on: object)]
        case "nack": return chance(50) ? [tag(on: object)] : [tag(on: object), chance(30) ? timeout() : .double(pick([0, 0.5, 1.5, 3]))]
        case "extend": return [tag(on: object), lease()]
        default: return arguments(for: method)
        }
    }

    /// Arguments for `method`: usually its own shape, sometimes anything at all.
    mutating func arguments(for method: String) -> [Value] {
        if chance(8) { return (0..<Int.random(in: 0...4, using: &rng)).map { _ in value() } }
        switch method {
        case "__getitem__", "__delitem__": return [indexOrKey()]
        case "pop": return chance(50) ? [indexOrKey()] : []
        case "__setitem__", "insert": return [indexOrKey(), value()]
        case "__contains__", "count", "remove", "index", "append", "set", "put_nowait": return [chance(50) ? member() : value()]
        case "get": return chance(50) ? [key(), value()] : (chance(50) ? [key()] : [])
        case "setdefault": return [key(), value()]
        case "update", "extend", "__iadd__", "__add__": return [iterable()]
        case "__mul__", "__rmul__", "__imul__": return [count()]
        case "__getattr__", "__delattr__": return [name()]
        case "__setattr__": return [name(), value()]
        case "put": return chance(70) ? [chance(50) ? member() : value()] : [member(), .bool(chance(50)), timeout()]
        case "acquire": return chance(50) ? [] : [.bool(chance(70)), timeout()]
        case "release": return chance(60) ? [] : [count()]
        case "notify": return chance(50) ? [] : [count()]
        case "wait": return chance(30) ? [] : [timeout()]
        case "sort": return chance(50) ? [] : [.bool(chance(50))]
        default: return []
        }
    }

    /// Values already likely to be in an object (so that lookups, `in` and `remove` hit), in a
    /// different spelling now and then: `1.0` for `1`, a map in another order.
    mutating func member() -> Value {
        pick([1, 1.0, true, 0, "a", "\u{e9}", "e\u{301}", ["a": 1, "b": 2], ["b": 2, "a": 1.0], [1, 2], .double(.nan)])
    }

    mutating func key() -> Value {
        if chance(10) { return pick([[1], ["k": 1]]) }
        return pick([
            1, 1.0, true, false, 0, .double(-0.0), .double(.nan), "a", "b", "\u{e9}", "e\u{301}", .bytes([1, 2]), .null,
            .int(.max), .int(.min), .double(0x1p63), .int(9_007_199_254_740_993), .double(0x1p53), 2.5,
        ])
    }

    mutating func indexOrKey() -> Value {
        chance(50) ? key() : .int(integer())
    }

    mutating func name() -> Value {
        chance(10) ? value() : pick(["x", "y", "\u{e9}", "e\u{301}", "_hidden", ""])
    }

    mutating func count() -> Value {
        chance(80) ? .int(Int64.random(in: -2...4, using: &rng)) : .int(pick([.max, .min, 1 << 62, 100_000_000, -(1 << 62)]))
    }

    mutating func integer() -> Int64 {
        chance(80) ? Int64.random(in: -5...5, using: &rng) : pick([.max, .min, 1 << 62, -(1 << 62), 10_000_000])
    }

    /// A WorkQueue's lease: mostly one that runs out within the model's steps, sometimes one
    /// that is refused.
    mutating func lease() -> Value {
        chance(80) ? pick([.null, 0.5, 1, 2.5, 10]) : pick([0, -1, .double(.nan), .double(.infinity), 1e300, "long"])
    }

    /// Notes a tag a WorkQueue's take handed out (`taken`), or whose lease an ack or a nack ended.
    mutating func noteTag(_ tag: Int64, on object: UInt64, taken: Bool) {
        let tags = recentTags[object] ?? []
        recentTags[object] = taken ? Array((tags + [tag]).suffix(8)) : tags.filter { $0 != tag }
    }

    /// A tag of WorkQueue `object`: mostly one recently handed out.
    mutating func tag(on object: UInt64) -> Value {
        if let tags = recentTags[object], !tags.isEmpty, chance(75) { return .int(pick(tags)) }
        return chance(80) ? .int(Int64.random(in: 1...12, using: &rng)) : pick([0, -1, .int(.max), 1.0, "1", .null])
    }

    mutating func timeout() -> Value {
        pick([.null, 0, 0.01, 1, -1, -0.5, .double(.nan), .double(.infinity), .double(-.infinity), 1e300, "soon"])
    }

    mutating func iterable() -> Value {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in value() })
        case 1: return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in .array([key(), value()]) })
        case 2: return pick(["ab", "e\u{301}", ""])
        case 3: return .bytes([65, 66])
        case 4: return .map(OrderedDictionary((0..<Int.random(in: 0...3, using: &rng)).map { _ in (key(), value()) }, uniquingKeysWith: { $1 }))
        default: return value()
        }
    }

    /// Any value: every kind, extremes, and now and then nested exactly at the limit or one past.
    mutating func value(depth: Int = 3) -> Value {
        if depth == 3, chance(8) { return nested(pick([ValueNesting.accepted - 1, ValueNesting.accepted, ValueNesting.accepted + 1])) }
        switch Int.random(in: 0..<(depth > 0 ? 11 : 8), using: &rng) {
        case 0: return .null
        case 1: return .bool(chance(50))
        case 2: return .int(integer())
        case 3: return .double(pick([0.5, -0.0, .nan, .infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 3.0]))
        case 4: return .string(pick(["", "a", "\u{e9}", "e\u{301}", "\u{0}", "🙂", String(repeating: "x", count: 40)]))
        case 5: return .bytes((0..<Int.random(in: 0...4, using: &rng)).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
        case 6, 7: return member()
        case 8, 9: return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in value(depth: depth - 1) })
        default:
            return .map(OrderedDictionary((0..<Int.random(in: 0...3, using: &rng)).map { _ in (value(depth: 0), value(depth: depth - 1)) }, uniquingKeysWith: { $1 }))
        }
    }

    /// A value whose ``Value/nesting`` is exactly `levels`.
    mutating func nested(_ levels: Int) -> Value {
        var value: Value = .string("deep")
        for _ in 0..<levels { value = chance(50) ? .array([value]) : .map(["k": value]) }
        return value
    }
}
