package import DurableWire
package import OrderedCollections

/// A shared `Namespace`: attributes by name, in the order they were first set.
///
/// Names that begin with `_` never reach the manager: as the seed documents, they belong to the
/// proxy. The manager refuses them, so a client that bypasses its proxy cannot store one.
package final class SharedNamespace: SharedObject {
    package private(set) var attributes: OrderedDictionary<String, Value>

    init(attributes: OrderedDictionary<String, Value> = [:]) {
        self.attributes = attributes
    }

    package static let type = SharedObjectType(
        typeID: "Namespace",
        exposed: ["__getattr__", "__setattr__", "__delattr__", "_getvalue"],
        mutating: ["__setattr__", "__delattr__"]
    ) { arguments, _ throws(ManagerError) in
        try arguments.expect(0...1)
        let namespace = SharedNamespace()
        guard arguments.count == 1 else { return namespace }
        guard case .map(let initial) = arguments[0] else {
            throw .wrongType(method: "Namespace", expected: "a map of initial attributes", got: arguments[0])
        }
        for (key, value) in initial {
            guard case .string(let name) = key else {
                throw .wrongType(method: "Namespace", expected: "attribute names as strings", got: key)
            }
            namespace.attributes[try SharedNamespace.publicName(name, "Namespace")] = value
        }
        return namespace
    }

    package func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        switch method {
        case "__getattr__":
            try arguments.expect(1...1)
            let name = try arguments.string(0)
            guard let value = attributes[name] else { throw Self.missing(name) }
            return .returned(value)
        case "__setattr__":
            try arguments.expect(2...2)
            attributes[try Self.publicName(arguments.string(0), method)] = arguments[1]
            return .returned(.null)
        case "__delattr__":
            try arguments.expect(1...1)
            let name = try arguments.string(0)
            guard attributes.removeValue(forKey: name) != nil else { throw Self.missing(name) }
            return .returned(.null)
        case "_getvalue":
            try arguments.expect(0...0)
            return .returned(.map(OrderedDictionary(uniqueKeysWithValues: attributes.map { (.string($0.key), $0.value) })))
        default:
            throw ManagerError(.notExposed, "Namespace has no method \(method)")
        }
    }

    package var heldReferences: [ObjectReference] { attributes.values.flatMap(\.references) }

    private static func missing(_ name: String) -> ManagerError {
        ManagerError(.attributeError, "'Namespace' object has no attribute '\(name)'")
    }

    private static func publicName(_ name: String, _ method: String) throws(ManagerError) -> String {
        guard !name.hasPrefix("_") else {
            throw ManagerError(.attributeError, "\(method): '\(name)' begins with '_': such names stay on the proxy and are not shared")
        }
        return name
    }
}
