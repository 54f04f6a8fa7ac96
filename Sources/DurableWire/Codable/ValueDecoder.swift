/// Turns a ``Value`` back into any `Decodable`: the inverse of ``ValueEncoder``.
///
/// A `Double` takes an `.int` too; an integer that does not fit the target type, a value of
/// the wrong kind and a missing key are `DecodingError`s whose message names the kind expected
/// and the kind found, with the coding path to the bad value. A ``Value`` field takes whatever
/// is there; an ``ObjectReference`` field takes a `.reference`.
///
/// ```swift
/// struct Job: Codable { var id: Int; var tags: [String] }
/// let job = try ValueDecoder().decode(Job.self, from: ["id": 7, "tags": ["urgent"]])
/// ```
public struct ValueDecoder: Sendable {
    /// Context for `init(from:)` implementations, which read it as `decoder.userInfo`.
    ///
    /// ```swift
    /// var decoder = ValueDecoder()
    /// decoder.userInfo[CodingUserInfoKey(rawValue: "lenient")!] = true
    /// ```
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    /// Creates a decoder with no user info.
    ///
    /// ```swift
    /// let numbers = try ValueDecoder().decode([Int].self, from: [1, 2, 3])
    /// ```
    public init() {}

    /// Decodes a `T` from `value`.
    ///
    /// ```swift
    /// let scores = try ValueDecoder().decode([String: Double].self, from: ["ada": 9.5])
    /// ```
    /// - Parameters:
    ///   - type: The type to decode.
    ///   - value: The value to read.
    /// - Returns: The decoded value.
    /// - Throws: `DecodingError` when `value` does not have the shape `T` reads, and whatever
    ///   `T`'s own `init(from:)` throws.
    public func decode<T: Decodable>(_ type: T.Type, from value: Value) throws -> T {
        try ValueNodeDecoder(value: value, codingPath: [], userInfo: userInfo).decode(type)
    }
}
