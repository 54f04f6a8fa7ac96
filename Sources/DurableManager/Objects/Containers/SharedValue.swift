package import DurableWire

/// A shared `Value`: one value read and written as a whole.
package final class SharedValue: WholeStateObject {
    package private(set) var value: Value
    package var changedSinceCheckpoint = false

    init(value: Value) {
        self.value = value
    }

    package static let type = SharedObjectType(
        typeID: "Value",
        exposed: ["get", "set"],
        mutating: ["set"],
        journaling: .calls,
        create: { arguments, _ throws(ManagerError) in
            try arguments.expect(0...1)
            return SharedValue(value: try arguments.value(0, default: .null))
        },
        restore: { state throws(ManagerError) in
            guard case .whole(let value) = state else { throw ManagerError(.valueError, "a Value is restored from its value") }
            return SharedValue(value: value)
        }
    )

    package var snapshot: Value { value }

    package func effect(of method: String, _ arguments: Arguments) throws(ManagerError) -> CallEffect {
        switch method {
        case "get":
            try arguments.expect(0...0)
            return .read(value)
        case "set":
            try arguments.expect(1...1)
            try arguments.checkSize(arguments[0].encodedSize, of: "the Value")
            return .update { self.value = arguments[0] }
        default:
            throw ManagerError(.notExposed, "Value has no method \(method)")
        }
    }

    package var heldReferences: [ObjectReference] { value.references }
}
