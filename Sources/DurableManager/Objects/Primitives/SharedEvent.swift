package import DurableWire
package import NIOCore

/// A shared `Event`: a flag that callers wait to see set.
package final class SharedEvent: SharedObject {
    package private(set) var isSet = false
    private let waiters = WaiterQueue<Void>()

    package var hasParkedCalls: Bool { !waiters.isEmpty }

    package static let type = SharedObjectType(typeID: "Event", exposed: ["set", "clear", "is_set", "wait"], mutating: ["set", "clear"]) { arguments, _ throws(ManagerError) in
        try arguments.expect(0...0)
        return SharedEvent()
    }

    package func call(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        switch method {
        case "set":
            try arguments.expect(0...0)
            isSet = true
            for waiter in waiters.removeAll() { waiter.call.complete(.success(.bool(true))) }
            return .returned(.null)
        case "clear":
            try arguments.expect(0...0)
            isSet = false
            return .returned(.null)
        case "is_set":
            try arguments.expect(0...0)
            return .returned(.bool(isSet))
        case "wait":
            try arguments.expect(0...1)
            let timeout = try arguments.timeout(0)
            guard !isSet else { return .returned(.bool(true)) }
            guard timeout != .zero else { return .returned(.bool(false)) }
            waiters.park(call, payload: (), timeout: timeout) { waiter in
                waiter.call.complete(.success(.bool(false)))
            }
            return .parked
        default:
            throw ManagerError(.notExposed, "Event has no method \(method)")
        }
    }

    package func describe(at now: NIODeadline) -> ObjectDescription {
        ObjectDescription(
            fields: ["set": .bool(isSet), "waiters": .int(Int64(waiters.count)), "firstWaiters": waiters.describeFirst(at: now)],
            summary: [isSet ? "set" : "not set", ObjectDescription.waitingText(waiters, at: now)].compactMap { $0 }.joined(separator: "; ")
        )
    }
}
