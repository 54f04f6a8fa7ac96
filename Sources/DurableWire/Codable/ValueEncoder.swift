/// Turns any `Encodable` into a ``Value``, the form that calls carry and shared objects hold.
///
/// The mapping is the one a Python client sees: `nil` is `.null`, every integer type is an
/// `.int` (a `UInt64` over `Int64.max` throws), `Float` and `Double` are `.double`, structs and
/// enums are maps with string keys (a `nil` field is kept as `.null`), `[Int: T]` is a map with
/// integer keys, and arrays are arrays. A ``Value`` inside your type is stored as it is and an
/// ``ObjectReference`` as a `.reference`, so a typed proxy can carry raw values and proxies.
///
/// ```swift
/// struct Job: Codable { var id: Int; var tags: [String]; var note: String? }
/// let value = try ValueEncoder().encode(Job(id: 7, tags: ["urgent"], note: nil))
/// print(value)   // {"id": 7, "tags": ["urgent"], "note": null}
/// ```
public struct ValueEncoder: Sendable {
    /// Context for `encode(to:)` implementations, which read it as `encoder.userInfo`.
    ///
    /// ```swift
    /// var encoder = ValueEncoder()
    /// encoder.userInfo[CodingUserInfoKey(rawValue: "compact")!] = true
    /// ```
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// Creates an encoder with no user info.
    ///
    /// ```swift
    /// let value = try ValueEncoder().encode([1, 2, 3])   // [1, 2, 3]
    /// ```
    public init() {}

    /// Encodes `value` as a ``Value``.
    ///
    /// ```swift
    /// let value = try ValueEncoder().encode(["x": 1.5])   // {"x": 1.5}
    /// ```
    /// - Parameter value: The value to encode.
    /// - Returns: The value as a ``Value``.
    /// - Throws: `EncodingError.invalidValue` for an integer that does not fit in 64 signed
    ///   bits, and whatever the value's own `encode(to:)` throws.
    public func encode<T: Encodable>(_ value: T) throws -> Value {
        // The arguments of most calls are one of these: they skip the Codable machinery, which
        // costs more than the rest of a call.
        switch value {
        case let text as String: return .string(text)
        case let number as Int: return .int(Int64(number))
        case let value as Value: return value
        default: break
        }
        let root = ValueEncodingNode()
        try ValueNodeEncoder(node: root, codingPath: [], userInfo: userInfo).encodeHere(value)
        return root.value
    }
}
