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

    static func value(_ pickle: PickleValue) throws(ManagerError) -> Value {
        switch pickle {
        case .none: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let int): return .int(int)
        case .float(let double): return .double(double)
        case .string(let text): return .string(text)
        case .bytes(let raw): return .bytes(raw)
        case .tuple(let items), .list(let items), .set(let items):
            return .array(try items.map { (item) throws(ManagerError) -> Value in try value(item) })
        case .dict(let entries):
            var map = OrderedDictionary<Value, Value>()
            for entry in entries { map[try value(entry.key)] = try value(entry.value) }
            return .map(map)
        case .range(let start, let stop, let step):
            let (span, overflow) = stop.subtractingReportingOverflow(start)
            // Same sign: ceil(span / step) ints; a span against the step's direction is empty.
            let count = overflow ? Int64.max : span.signum() != step.signum() ? 0 : span / step + (span % step == 0 ? 0 : 1)
            guard count <= maxRangeCount else {
                throw ManagerError(.memoryError, "range of \(count) ints: this manager expands a range argument of at most \(maxRangeCount)")
            }
            return .array((0..<count).map { Value.int(start + $0 * step) })
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
