import DurableWire

extension Result where Failure == ManagerError {
    var isSuccess: Bool {
        if case .success = self { true } else { false }
    }

    /// The error's code; nil for a success.
    var errorCode: ManagerError.Code? {
        if case .failure(let error) = self { error.code } else { nil }
    }

    /// The error's message; nil for a success.
    var errorMessage: String? {
        if case .failure(let error) = self { error.message } else { nil }
    }
}
