import DurableWire
import OrderedCollections
import PythonProtocol

/// Turns Python's pickled values into the manager's values and back.
///
/// Tuples, lists and sets become arrays (the value model has one sequence), `range` becomes its
/// ints, a `Token` or a proxy becomes a reference; going back, a reference becomes a proxy that
/// CPython's unpickler rebuilds (`RebuildProxy` with a `Token` at `address`).
enum PythonValues {
    /// The most ints a `range` argument expands to: `m.list(range(10))` is common, a range of a
    /// billion is a mistake the manager should not allocate for.
    static let maxRangeCount: Int64 = 1_000_000
    /// The most values one request's arguments expand to. A pickle's memo lets a few bytes
    /// name one value many times (a `range` of a million ints, a hundred times), so the cost is
    /// counted on what the conversion makes, not on the pickle's size.
    static let maxValuesPerRequest = 2_000_000

    /// The values of one request's positional and keyword arguments, under one budget.
    /// - Throws: `MemoryError` past ``maxValuesPerRequest`` values, and what ``value(_:budget:)``
    ///   throws.
    static func arguments(
        _ positional: [PickleValue], _ keywords: [(String, PickleValue)]
    ) throws(ManagerError) -> (positional: [Value], keywords: [(String, Value)]) {
        var budget = maxValuesPerRequest
        var values: [Value] = []
        for item in positional { values.append(try value(item, budget: &budget)) }
        var named: [(String, Value)] = []
        for (name, item) in keywords { named.append((name, try value(item, budget: &budget))) }
        return (values, named)
    }

    /// Takes `count` values from `budget`, or throws when it has not that many left.
    private static func charge(_ count: Int64, against budget: inout Int) throws(ManagerError) {
        guard count <= Int64(budget) else {
            throw ManagerError(.memoryError, "the arguments expand to over \(maxValuesPerRequest) values (a range or a value the pickle names many times); send less at once")
        }
        budget -= Int(count)
    }

    static func value(_ pickle: PickleValue, budget: inout Int) throws(ManagerError) -> Value {
        try charge(1, against: &budget)
        switch pickle {
        case .none: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let int): return .int(int)
        case .float(let double): return .double(double)
        case .string(let text): return .string(text)
        case .bytes(let raw): return .bytes(raw)
        case .tuple(let items), .list(let items), .set(let items):
            var values: [Value] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try value(item, budget: &budget)) }
            return .array(values)
        case .dict(let entries):
            var map = OrderedDictionary<Value, Value>()
            for entry in entries { map[try value(entry.key, budget: &budget)] = try value(entry.value, budget: &budget) }
            return .map(map)
        case .range(let start, let stop, let step):
            let count = try rangeCount(start: start, stop: stop, step: step)
            guard count <= maxRangeCount else {
                throw ManagerError(.memoryError, "range of \(count) ints: this manager expands a range argument of at most \(maxRangeCount)")
            }
            try charge(Int64(count), against: &budget)
            // Every item lies between start and stop, so wrapping arithmetic gives it exactly
            // even where `i * step` alone would not fit in 64 bits.
            return .array((0..<UInt64(count)).map { Value.int(start &+ Int64(bitPattern: $0 &* UInt64(bitPattern: step))) })
        case .slice:
            throw ManagerError(.wrongType, "a slice is only understood as the index of a list's __getitem__")
        case .token(let token):
            return .reference(try reference(token))
        case .proxy(let proxy):
            return .reference(try reference(proxy.token))
        case .exception(let module, let name, _):
            throw ManagerError(.wrongType, "an exception (\(module).\(name)) is not a value")
        }
    }

    /// How many ints `range(start, stop, step)` holds, computed on magnitudes so that no
    /// pair of 64-bit ends can overflow it (`range(1, -2**63 + 1, -1)` holds 2^63 - 1).
    static func rangeCount(start: Int64, stop: Int64, step: Int64) throws(ManagerError) -> UInt64 {
        guard step != 0 else { throw ManagerError(.valueError, "range() arg 3 must not be zero") }
        let forward = step > 0
        guard forward ? start < stop : start > stop else { return 0 }
        // The distance between two Int64s always fits in a UInt64.
        let span = forward ? UInt64(bitPattern: stop &- start) : UInt64(bitPattern: start &- stop)
        return (span - 1) / step.magnitude + 1
    }

    static func reference(_ token: PythonToken) throws(ManagerError) -> ObjectReference {
        guard let id = objectID(token.id) else {
            throw ManagerError(.valueError, "'\(token.id)' is not an object id of this manager")
        }
        return ObjectReference(id: id, typeID: token.typeID)
    }

    /// Object ids are hexadecimal strings, as CPython's server writes `id()`.
    static func ident(_ id: UInt64) -> String { String(id, radix: 16) }

    static func objectID(_ ident: String) -> UInt64? { UInt64(ident, radix: 16) }

    /// `value` as Python sees it; references become proxies at `address`.
    static func pickle(_ value: Value, registry: TypeRegistry, address: PickleValue) -> PickleValue {
        switch value {
        case .null: return .none
        case .bool(let flag): return .bool(flag)
        case .int(let int): return .int(int)
        case .double(let double): return .float(double)
        case .string(let text): return .string(text)
        case .bytes(let raw): return .bytes(raw)
        case .array(let items): return .list(items.map { pickle($0, registry: registry, address: address) })
        case .map(let map):
            return .dict(map.map { PickleDictEntry(pickle($0.key, registry: registry, address: address), pickle($0.value, registry: registry, address: address)) })
        case .reference(let reference):
            return .proxy(proxy(reference, registry: registry, address: address))
        }
    }

    static func proxy(_ reference: ObjectReference, registry: TypeRegistry, address: PickleValue) -> PythonProxyReference {
        let token = PythonToken(typeID: reference.typeID, address: address, id: ident(reference.id))
        guard let proxyType = PythonMethods.proxyTypes[reference.typeID] else {
            return PythonProxyReference(proxyType: "AutoProxy", token: token, exposed: PythonMethods.exposed(reference.typeID, registry: registry))
        }
        return PythonProxyReference(proxyType: proxyType, token: token, exposed: nil)
    }
}
