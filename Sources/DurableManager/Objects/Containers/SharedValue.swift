package import DurableWire

/// A shared `Value`: one value read and written as a whole.
package final class SharedValue: SharedObject {
    package private(set) var value: Value

    init(value: Value) {
        self.value = value
    }

    package static let type = SharedObjectType(
        typeID: "Value",
        exposed: ["get", "set"],
        mutating: ["set"]
    ) { arguments, _ throws(ManagerError) in
        try arguments.expect(0...1)
        return SharedValue(value: try arguments.value(0, default: .null))
    }

    package func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        switch method {
        case "get":
            try arguments.expect(0...0)
            return .returned(value)
        case "set":
            try arguments.expect(1...1)
            value = arguments[0]
            return .returned(.null)
        default:
            throw ManagerError(.notExposed, "Value has no method \(method)")
        }
    }

    package var heldReferences: [ObjectReference] { value.references }
}
