package import DurableWire
package import NIOCore
package import OrderedCollections

/// A shared `Namespace`: attributes by name, in the order they were first set.
///
/// Names that begin with `_` never reach the manager: as the seed documents, they belong to the
/// proxy. The manager refuses them, so a client that bypasses its proxy cannot store one.
/// Names are compared by code points, as Python compares them (`"\u{e9}"` and `"e\u{301}"` are
/// two attributes), so they are kept as ``Value`` strings, not Swift `String` keys.
package final class SharedNamespace: WholeStateObject {
    package private(set) var attributes: OrderedDictionary<Value, Value>
    package var changedSinceCheckpoint = false

    private init(attributes: OrderedDictionary<Value, Value>) {
        self.attributes = attributes
    }

    package static let type = SharedObjectType(
        typeID: "Namespace",
        exposed: ["__getattr__", "__setattr__", "__delattr__", "_getvalue"],
        mutating: ["__setattr__", "__delattr__"],
        journaling: .calls,
        create: { arguments, _ throws(ManagerError) in
            try arguments.expect(0...1)
            return try SharedNamespace(initial: arguments.count == 1 ? arguments[0] : [:])
        },
        restore: { state throws(ManagerError) in
            guard case .whole(let attributes) = state else { throw ManagerError(.valueError, "a Namespace is restored from a map") }
            return try SharedNamespace(initial: attributes)
        }
    )

    private convenience init(initial: Value) throws(ManagerError) {
        guard case .map(let initial) = initial else {
            throw .wrongType(method: "Namespace", expected: "a map of initial attributes", got: initial)
        }
        for key in initial.keys {
            guard case .string(let name) = key else {
                throw .wrongType(method: "Namespace", expected: "attribute names as strings", got: key)
            }
            try Self.checkPublic(name, "Namespace")
        }
        self.init(attributes: initial)
    }

    package var snapshot: Value { .map(attributes) }

    package func describe(at now: NIODeadline) -> ObjectDescription {
        ObjectDescription(size: attributes.count)
    }

    package func effect(of method: String, _ arguments: Arguments) throws(ManagerError) -> CallEffect {
        switch method {
        case "__getattr__":
            try arguments.expect(1...1)
            let name = try arguments.string(0)
            guard let value = attributes[.string(name)] else { throw Self.missing(name) }
            return .read(value)
        case "__setattr__":
            try arguments.expect(2...2)
            let name = try arguments.string(0)
            try Self.checkPublic(name, method)
            let old = attributes[.string(name)].map { Value.string(name).encodedSize + $0.encodedSize } ?? 0
            try arguments.checkSize(snapshot.encodedSize - old + Value.string(name).encodedSize + arguments[1].encodedSize + 8, of: "the Namespace")
            return .update { self.attributes[.string(name)] = arguments[1] }
        case "__delattr__":
            try arguments.expect(1...1)
            let name = try arguments.string(0)
            guard attributes[.string(name)] != nil else { throw Self.missing(name) }
            return .update { self.attributes[.string(name)] = nil }
        case "_getvalue":
            try arguments.expect(0...0)
            return .read(snapshot)
        default:
            throw ManagerError(.notExposed, "Namespace has no method \(method)")
        }
    }

    package var heldReferences: [ObjectReference] { attributes.values.flatMap(\.references) }

    private static func missing(_ name: String) -> ManagerError {
        ManagerError(.attributeError, "'Namespace' object has no attribute '\(name)'")
    }

    private static func checkPublic(_ name: String, _ method: String) throws(ManagerError) {
        guard !name.hasPrefix("_") else {
            throw ManagerError(.attributeError, "\(method): '\(name)' begins with '_': such names stay on the proxy and are not shared")
        }
    }
}
