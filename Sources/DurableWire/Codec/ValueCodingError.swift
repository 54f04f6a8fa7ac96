/// Why bytes could not be read as a ``Value`` or a message.
///
/// ```swift
/// do { _ = try buffer.readValue() } catch let error as ValueCodingError { print(error) }
/// ```
public struct ValueCodingError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case truncated
        case unknownTag(UInt8)
        case tooDeep(limit: Int)
        case invalidUTF8
        case varintOverflow
        case lengthTooLarge(Int)
        case tooLarge(maxMemory: Int)
        case malformed(String)
    }

    private let code: Code

    /// The input ended in the middle of a value.
    public static let truncated = ValueCodingError(code: .truncated)
    /// A byte that names no kind of value stood where a value's tag was expected.
    public static func unknownTag(_ tag: UInt8) -> ValueCodingError { .init(code: .unknownTag(tag)) }
    /// Values were nested deeper than the decoder allows.
    public static func tooDeep(limit: Int) -> ValueCodingError { .init(code: .tooDeep(limit: limit)) }
    /// A string's bytes were not valid UTF-8.
    public static let invalidUTF8 = ValueCodingError(code: .invalidUTF8)
    /// A variable-length integer ran past 64 bits.
    public static let varintOverflow = ValueCodingError(code: .varintOverflow)
    /// A length prefix claimed more bytes than remain.
    public static func lengthTooLarge(_ length: Int) -> ValueCodingError { .init(code: .lengthTooLarge(length)) }
    /// Decoding would take more memory than the reader allows.
    public static func tooLarge(maxMemory: Int) -> ValueCodingError { .init(code: .tooLarge(maxMemory: maxMemory)) }
    /// A message's structure was wrong; the text says how.
    public static func malformed(_ what: String) -> ValueCodingError { .init(code: .malformed(what)) }

    public var description: String {
        switch code {
        case .truncated: "the data ended in the middle of a value"
        case .unknownTag(let tag): "byte \(tag) is not a value tag: the data is not a DurableManager value"
        case .tooDeep(let limit): "values are nested deeper than \(limit) levels"
        case .invalidUTF8: "a string is not valid UTF-8"
        case .varintOverflow: "an integer is longer than 64 bits"
        case .lengthTooLarge(let length): "a length of \(length) runs past the end of the data"
        case .tooLarge(let maxMemory): "the values would take more than \(maxMemory) bytes of memory once decoded; send fewer or larger items per call"
        case .malformed(let what): "malformed message: \(what)"
        }
    }
}
