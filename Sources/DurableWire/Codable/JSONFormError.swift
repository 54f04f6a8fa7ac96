/// Why a piece of JSON is not a ``Value``: text that is not JSON, or a `$` form that is wrong.
public struct JSONFormError: Error, Hashable, CustomStringConvertible {
    /// What is wrong and where.
    public let message: String

    package init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
