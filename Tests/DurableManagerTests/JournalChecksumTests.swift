@testable import DurableManager
import Testing

/// The pieces the journal's damage checks stand on.
struct JournalChecksumTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        // The check value of CRC-32C (Castagnoli) for "123456789".
        #expect(CRC32C.update(0, Array("123456789".utf8)) == 0xE306_9283)
        let long = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(CRC32C.update(CRC32C.update(0, long[..<333]), long[333...]) == CRC32C.update(0, long), "continuing equals one pass")
    }

    @Test func commitMarksReadBackAndCompare() {
        let mark = CommitMark(epoch: 7, seq: 1234)
        #expect(CommitMark(line: mark.line) == mark)
        #expect(CommitMark(line: "12345") == nil)
        #expect(CommitMark(epoch: 7, seq: 1234).reaches(mark))
        #expect(!CommitMark(epoch: 7, seq: 1233).reaches(mark), "a record short")
        #expect(!CommitMark(epoch: 6, seq: 5000).reaches(mark), "an older run's file")
    }
}
