@testable import DurableManager
import DurableWire
import PythonProtocol
import Testing

/// What a CPython client's pickled arguments become, at the edges of the 64-bit range.
struct PythonValuesTests {
    static let ranges: [(start: Int64, stop: Int64, step: Int64, count: UInt64)] = [
        (0, 10, 1, 10),
        (0, 10, 3, 4),
        (10, 0, -3, 4),
        (0, 10, -1, 0),
        (5, 5, 1, 0),
        // The ends 2^63 apart: the count's division once trapped (Int64.min / -1).
        (1, -Int64.max, -1, UInt64(Int64.max) + 1),
        (Int64.min, Int64.max, 1, UInt64.max),
        (Int64.max, Int64.min, Int64.min, 2),
    ]

    @Test func rangeCountsNeverOverflow() throws {
        for range in Self.ranges {
            #expect(try PythonValues.rangeCount(start: range.start, stop: range.stop, step: range.step) == range.count, "\(range)")
        }
    }

    @Test func aRangeOfAHugeSpanIsAMemoryErrorNotATrap() {
        #expect(throws: ManagerError.self) { try PythonValues.arguments([.range(start: 1, stop: -Int64.max, step: -1)], []) }
    }

    @Test func itemsOfARangeWithAHugeStepAreExact() throws {
        let converted = try PythonValues.arguments([.range(start: Int64.min, stop: Int64.max, step: Int64.max)], [])
        #expect(converted.positional == [.array([.int(Int64.min), .int(-1), .int(Int64.max - 1)])])
    }

    @Test func aValueNamedManyTimesIsChargedEveryTime() {
        // One range of a million ints, named twenty times over: twenty million values to make.
        let many = PickleValue.range(start: 0, stop: 1_000_000, step: 1)
        #expect(throws: ManagerError.self) { try PythonValues.arguments([.list(Array(repeating: many, count: 20))], []) }
        // The budget is the request's: spread over arguments and keywords, it is the same.
        #expect(throws: ManagerError.self) {
            try PythonValues.arguments(Array(repeating: many, count: 2), [("more", many)])
        }
        #expect(throws: Never.self) { try PythonValues.arguments([many], [("more", .int(1))]) }
    }
}
