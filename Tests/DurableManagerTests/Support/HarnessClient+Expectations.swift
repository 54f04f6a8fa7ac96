import DurableWire

extension Result where Failure == ManagerError {
    /// The code of a failed call; nil for a success.
    var errorCode: ManagerError.Code? {
        guard case .failure(let error) = self else { return nil }
        return error.code
    }
}

extension HarnessClient {
    /// Calls and expects a failure; returns the whole error, for tests that read its message.
    func error(_ object: ObjectReference, _ method: String, _ arguments: [Value] = []) throws -> ManagerError? {
        guard case .failure(let error) = try call(object, method, arguments) else { return nil }
        return error
    }
}

extension Value {
    /// An acquire's answer as Python reads it: a Lock's fencing token (a nonzero int) or true
    /// is acquired, false is not.
    var acquired: Value {
        if case .int(let token) = self { return .bool(token > 0) }
        return self
    }
}
