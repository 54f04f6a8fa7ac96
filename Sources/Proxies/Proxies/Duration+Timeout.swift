import DurableWire

extension Optional where Wrapped == Duration {
    /// A timeout as the manager takes it: seconds, or null for none.
    var timeoutValue: Value {
        guard let duration = self else { return .null }
        let (seconds, attoseconds) = duration.components
        return .double(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
