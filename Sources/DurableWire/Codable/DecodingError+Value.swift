extension DecodingError {
    /// The error for a value of the wrong kind, naming the kind expected and the kind found.
    ///
    /// A `.null` where something was required is `valueNotFound`, as Foundation's decoders
    /// report it, so callers that tell a missing value from a wrong one keep working.
    static func wrongKind(_ type: Any.Type, expected: String, found: Value, at codingPath: [any CodingKey]) -> DecodingError {
        let context = Context(codingPath: codingPath, debugDescription: "expected \(expected), found \(found.kindName)")
        if case .null = found { return .valueNotFound(type, context) }
        return .typeMismatch(type, context)
    }
}
