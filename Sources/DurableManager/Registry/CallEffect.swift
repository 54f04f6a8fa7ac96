package import DurableWire

/// What a call to a deterministic object (dict, list, Namespace, Value) does, decided before
/// anything changes.
///
/// A method checks everything it needs (argument types, keys, indices, sizes) while it builds
/// its effect, and only then returns a ``change(_:)``, which cannot throw. So a call that fails
/// leaves the object exactly as it was, and a call that succeeds is exactly what its journal
/// record replays: all or nothing holds by construction, not by auditing each method.
package enum CallEffect {
    /// The call changes nothing; this is its result.
    case read(Value)
    /// The change to make; it returns the call's result.
    case change(() -> Value)

    /// Makes the change, if any, and returns the result.
    package func apply() -> Value {
        switch self {
        case .read(let value): value
        case .change(let change): change()
        }
    }

    /// A change whose result is `None`, as most of Python's mutating methods return.
    package static func update(_ body: @escaping () -> Void) -> CallEffect {
        .change {
            body()
            return .null
        }
    }
}
