public import OrderedCollections

/// A dynamic value: what every shared object holds, every call carries and the journal stores.
///
/// The manager never sees a client's own types. Clients turn their `Codable` types into values
/// with ``ValueEncoder`` and back with ``ValueDecoder``; the manager stores and compares values.
/// A map keeps its insertion order, as a Python `dict` does, and may have any value as a key.
///
/// ```swift
/// let job: Value = ["id": 7, "state": "queued", "tags": ["urgent"]]
/// print(job)   // {"id": 7, "state": "queued", "tags": ["urgent"]}
/// ```
///
/// The set of cases is the wire format's set of tags; it is frozen, a new kind of value would be a
/// new wire version.
public enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case array([Value])
    case map(OrderedDictionary<Value, Value>)
    /// A reference to another shared object held by the same manager.
    case reference(ObjectReference)
}

extension Value {
    /// The name of this value's kind, as error messages show it (`int`, `string`, `map`...).
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int: "int"
        case .double: "double"
        case .string: "string"
        case .bytes: "bytes"
        case .array: "array"
        case .map: "map"
        case .reference: "reference"
        }
    }

    /// Every object reference inside this value, at any depth, in order of appearance.
    public var references: [ObjectReference] {
        var found: [ObjectReference] = []
        collectReferences(into: &found)
        return found
    }

    private func collectReferences(into found: inout [ObjectReference]) {
        switch self {
        case .reference(let reference):
            found.append(reference)
        case .array(let items):
            for item in items { item.collectReferences(into: &found) }
        case .map(let entries):
            for (key, value) in entries {
                key.collectReferences(into: &found)
                value.collectReferences(into: &found)
            }
        case .null, .bool, .int, .double, .string, .bytes:
            break
        }
    }
}
