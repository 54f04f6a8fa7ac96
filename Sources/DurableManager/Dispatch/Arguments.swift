public import DurableWire
package import NIOCore

/// A call's positional arguments, read with the checks and error messages every method shares.
///
/// Missing trailing arguments take Python's defaults (`block=True`, `timeout=None`), so a
/// caller such as `durablectl call` may leave them out as a Python caller does.
///
/// A custom type's method reads its arguments by position:
///
/// ```swift
/// .method("add", mutating: true) { counter, arguments in
///     counter.value += try arguments.decode(Int.self, at: 0)
///     return counter.value
/// }
/// ```
public struct Arguments: Sendable {
    /// The method called, for error messages.
    public let method: String
    /// The arguments as the caller sent them.
    public let values: [Value]
    /// The largest state or reply, in encoded bytes, the call may make (the manager's
    /// `--max-value-size`); unlimited for a replayed record, which was accepted when it was made.
    package let maxValueSize: Int

    package init(method: String, values: [Value], maxValueSize: Int = .max) {
        self.method = method
        self.values = values
        self.maxValueSize = maxValueSize
    }

    /// Refuses a call whose state or reply would weigh more than ``maxValueSize``, before it is
    /// built: it could not be sent, nor written by a checkpoint.
    /// - Parameter what: What would be that large ("the list", "the reply").
    ///   - size: Computed only when there is a limit: a replayed record, which has none, skips
    ///     the work (a dict's, a Namespace's size is a walk over it).
    package func checkSize(_ size: @autoclosure () -> Int, of what: String) throws(ManagerError) {
        guard maxValueSize != .max else { return }
        let size = size()
        guard size > maxValueSize else { return }
        throw ManagerError(
            .memoryError,
            "\(method): \(what) would weigh \(size) bytes, more than this manager's --max-value-size of \(maxValueSize) bytes"
        )
    }

    /// How many arguments the caller sent.
    public var count: Int { values.count }

    /// Checks the number of arguments.
    package func expect(_ range: ClosedRange<Int>) throws(ManagerError) {
        guard range.contains(values.count) else {
            let expected = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
            throw .arity(method: method, expected: expected, got: values.count)
        }
    }

    /// The argument at `index`, which must be below ``count``.
    public subscript(_ index: Int) -> Value {
        values[index]
    }

    /// Decodes the argument at `index` as `type`.
    /// - Throws: ``ManagerError`` `TypeError` naming the method and the position when the
    ///   argument is missing or is not a `type`.
    public func decode<T: Decodable>(_ type: T.Type = T.self, at index: Int) throws(ManagerError) -> T {
        let value = try self.value(index)
        do {
            return try ValueDecoder().decode(type, from: value)
        } catch {
            throw .wrongType(method: method, expected: "\(type) as argument \(index + 1)", got: value)
        }
    }

    /// The argument at `index`, or `fallback` when the caller left it out.
    package func value(_ index: Int, default fallback: Value? = nil) throws(ManagerError) -> Value {
        if index < values.count { return values[index] }
        if let fallback { return fallback }
        throw .arity(method: method, expected: "at least \(index + 1)", got: values.count)
    }

    package func int(_ index: Int, default fallback: Int64? = nil) throws(ManagerError) -> Int64 {
        switch try value(index, default: fallback.map(Value.int)) {
        case .int(let number): return number
        case .bool(let flag): return flag ? 1 : 0
        case let other: throw .wrongType(method: method, expected: "an int as argument \(index + 1)", got: other)
        }
    }

    package func bool(_ index: Int, default fallback: Bool) throws(ManagerError) -> Bool {
        switch try value(index, default: .bool(fallback)) {
        case .bool(let flag): return flag
        case .int(let number): return number != 0
        case let other: throw .wrongType(method: method, expected: "a bool as argument \(index + 1)", got: other)
        }
    }

    package func string(_ index: Int) throws(ManagerError) -> String {
        switch try value(index) {
        case .string(let text): return text
        case let other: throw .wrongType(method: method, expected: "a string as argument \(index + 1)", got: other)
        }
    }

    /// A timeout in seconds (int or double) or null for "no timeout", as Python's `timeout=None`.
    ///
    /// Infinity waits as long as null does; a timeout past 30 years is 30 years.
    /// - Throws: `ValueError` for NaN or a negative timeout, which would otherwise wait forever
    ///   or not at all without saying so; `TypeError` for anything but a number or null.
    package func timeout(_ index: Int) throws(ManagerError) -> TimeAmount? {
        let seconds: Double
        let argument = try value(index, default: .null)
        switch argument {
        case .null: return nil
        case .int(let number): seconds = Double(number)
        case .double(let number): seconds = number
        case let other: throw .wrongType(method: method, expected: "a timeout in seconds or null as argument \(index + 1)", got: other)
        }
        guard !seconds.isNaN, seconds >= 0 else {
            throw ManagerError(.valueError, "\(method): timeout must be a non-negative number of seconds or null, got \(argument)")
        }
        guard seconds.isFinite else { return nil }
        return .nanoseconds(Int64(min(seconds, Self.longestSpan) * 1e9))
    }

    /// The longest span a call may ask for, in seconds (about 31 years): a timeout past it is
    /// that long, and so is a lease or a delay, infinity included.
    package static let longestSpan: Double = 1e9

    /// A span in seconds (int or double), such as a lease or a delay; null (Python's `None`) or
    /// a missing argument is `fallback`. Past ``longestSpan`` is ``longestSpan``.
    /// - Parameters:
    ///   - what: The argument's name for the error: "lease", "delay".
    ///   - positive: Whether zero is refused too.
    /// - Throws: `ValueError` for NaN, a negative span, or zero when `positive`; `TypeError` for
    ///   anything but a number or null.
    package func seconds(_ index: Int, default fallback: Double, what: String, positive: Bool) throws(ManagerError) -> Double {
        let seconds: Double
        let argument = try value(index, default: .null)
        switch argument {
        case .null: return fallback
        case .int(let number): seconds = Double(number)
        case .double(let number): seconds = number
        case let other: throw .wrongType(method: method, expected: "a \(what) in seconds or null as argument \(index + 1)", got: other)
        }
        guard !seconds.isNaN, positive ? seconds > 0 : seconds >= 0 else {
            throw ManagerError(.valueError, "\(method): \(what) must be a \(positive ? "positive" : "non-negative") number of seconds, got \(argument)")
        }
        return min(seconds, Self.longestSpan)
    }

    /// A reference to another shared object.
    package func reference(_ index: Int) throws(ManagerError) -> ObjectReference {
        switch try value(index) {
        case .reference(let reference): return reference
        case let other: throw .wrongType(method: method, expected: "a shared object as argument \(index + 1)", got: other)
        }
    }
}
