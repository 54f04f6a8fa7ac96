import DurableWire
import NIOCore
import PropertyBased
import Testing

struct ValueCodecTests {
    @Test func randomValuesRoundTrip() async {
        await propertyCheck(count: 500, input: RandomValue.generator()) { value in
            var buffer = ByteBuffer()
            let written = buffer.writeValue(value)
            #expect(written == buffer.readableBytes)
            let back = try buffer.readValue()
            #expect(back == value)
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test func doublesKeepTheirBits() throws {
        for number in [-0.0, 0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .pi] {
            var buffer = ByteBuffer()
            buffer.writeValue(.double(number))
            guard case .double(let back) = try buffer.readValue() else {
                Issue.record("\(number) did not come back as a double")
                continue
            }
            #expect(back.bitPattern == number.bitPattern)
        }
    }

    @Test func integerExtremesRoundTrip() throws {
        for number in [Int64.min, Int64.min + 1, -1, 0, 1, 63, 64, -64, -65, Int64.max] {
            var buffer = ByteBuffer()
            buffer.writeValue(.int(number))
            #expect(try buffer.readValue() == .int(number))
        }
    }

    @Test func randomBytesNeverCrashTheReader() async {
        await propertyCheck(count: 2000, input: Gen.uint8().array(of: 0...64)) { bytes in
            var buffer = ByteBuffer(bytes: bytes)
            do {
                _ = try buffer.readValue()
            } catch {
                #expect(buffer.readerIndex == 0, "a failed read must leave the reader index alone")
            }
        }
    }

    @Test func mutatedEncodingsNeverCrashTheReader() async {
        await propertyCheck(count: 1000, input: RandomValue.generator(), Gen.int(in: 0...Int.max), Gen.uint8()) { value, position, byte in
            var buffer = ByteBuffer()
            buffer.writeValue(value)
            buffer.setInteger(byte, at: position % buffer.writerIndex)
            _ = try? buffer.readValue()
        }
    }

    @Test func everyTruncationThrowsATruncationError() async {
        await propertyCheck(count: 200, input: RandomValue.generator()) { value in
            var whole = ByteBuffer()
            whole.writeValue(value)
            for length in 0..<whole.readableBytes {
                var prefix = whole.getSlice(at: 0, length: length)!
                do {
                    let read = try prefix.readValue()
                    Issue.record("a \(length)-byte prefix of \(whole.readableBytes) bytes read as \(read)")
                } catch let error as ValueCodingError {
                    #expect(
                        error == .truncated || error.description.contains("runs past the end"),
                        "a prefix failed with \(error)"
                    )
                } catch {
                    Issue.record("a prefix failed with \(error), not a ValueCodingError")
                }
            }
        }
    }

    @Test func deepNestingThrowsTooDeep() {
        for tag: UInt8 in [7, 8] {
            var buffer = ByteBuffer()
            for _ in 0..<10_000 {
                buffer.writeInteger(tag)
                buffer.writeInteger(UInt8(1))
                // A map entry is a key then a value; the key is null and the value nests on.
                if tag == 8 { buffer.writeInteger(UInt8(0)) }
            }
            buffer.writeInteger(UInt8(0))
            #expect(throws: ValueCodingError.tooDeep(limit: ValueNesting.stored)) {
                try buffer.readValue()
            }
            #expect(buffer.readerIndex == 0)
        }
    }

    @Test func depthLimitIsExact() throws {
        func nested(_ depth: Int) -> ByteBuffer {
            var buffer = ByteBuffer()
            for _ in 0..<depth { buffer.writeBytes([7, 1]) }
            buffer.writeInteger(UInt8(0))
            return buffer
        }
        var atLimit = nested(4)
        _ = try atLimit.readValue(maxDepth: 4)
        var overLimit = nested(5)
        #expect(throws: ValueCodingError.tooDeep(limit: 4)) { try overLimit.readValue(maxDepth: 4) }
    }

    @Test func decodingStopsAtItsMemoryBudget() throws {
        // A million nulls: a megabyte encoded, 24 or more decoded.
        var nulls = ByteBuffer()
        nulls.writeInteger(UInt8(7))
        nulls.writeVarint(1_000_000)
        nulls.writeRepeatingByte(0, count: 1_000_000)
        var refused = nulls
        #expect(throws: ValueCodingError.tooLarge(maxMemory: 16 << 20)) { try refused.readValue(maxMemory: 16 << 20) }
        #expect(refused.readerIndex == nulls.readerIndex)
        var allowed = nulls
        guard case .array(let items) = try allowed.readValue(maxMemory: 64 << 20) else { Issue.record("not an array"); return }
        #expect(items.count == 1_000_000)
        // Strings cost about what they weigh: 4 MB of text fits a budget of 16 times its size.
        var text = ByteBuffer()
        text.writeValue(.array(Array(repeating: .string(String(repeating: "x", count: 4000)), count: 1000)))
        _ = try text.readValue(maxMemory: 16 * text.readableBytes)
    }

    @Test func encodedSizeIsWhatTheEncoderWrites() async {
        await propertyCheck(count: 300, input: RandomValue.generator(maxDepth: 4)) { value in
            var buffer = ByteBuffer()
            #expect(buffer.writeValue(value) == value.encodedSize)
        }
    }

    @Test(arguments: [5, 6, 7, 8] as [UInt8])
    func forgedHugeLengthThrowsLengthTooLarge(tag: UInt8) {
        let forged = UInt64(1) << 62
        var buffer = ByteBuffer()
        buffer.writeInteger(tag)
        buffer.writeVarint(forged)
        buffer.writeBytes([0, 0, 0])
        #expect(throws: ValueCodingError.lengthTooLarge(Int(forged))) { try buffer.readValue() }
    }

    /// Found by the wire and journal fuzzers: a string's or a reference's length near the top of
    /// the varint range made the memory charge overflow and trap, whatever the budget.
    @Test(arguments: [UInt64.max, UInt64(Int.max), UInt64(Int.max) - 20], [Int.max, 1 << 20])
    func lengthsAtTheTopOfTheRangeThrowAtAnyBudget(length: UInt64, maxMemory: Int) {
        var string = ByteBuffer()
        string.writeInteger(UInt8(5))
        string.writeVarint(length)
        string.writeBytes([0, 0, 0])
        #expect(throws: ValueCodingError.lengthTooLarge(Int(clamping: length))) { try string.readValue(maxMemory: maxMemory) }

        var reference = ByteBuffer()
        reference.writeInteger(UInt8(9))
        reference.writeVarint(7)
        reference.writeVarint(length)
        reference.writeBytes([0, 0, 0])
        #expect(throws: ValueCodingError.lengthTooLarge(Int(clamping: length))) { try reference.readValue(maxMemory: maxMemory) }
    }

    @Test func malformedBytesGiveTheirErrors() {
        var unknownTag = ByteBuffer(bytes: [200])
        #expect(throws: ValueCodingError.unknownTag(200)) { try unknownTag.readValue() }

        var badUTF8 = ByteBuffer(bytes: [5, 2, 0xc3, 0x28])
        #expect(throws: ValueCodingError.invalidUTF8) { try badUTF8.readValue() }

        var longVarint = ByteBuffer(bytes: [3] + Array(repeating: 0xff, count: 10) + [0x01])
        #expect(throws: ValueCodingError.varintOverflow) { try longVarint.readValue() }

        var empty = ByteBuffer()
        #expect(throws: ValueCodingError.truncated) { try empty.readValue() }
    }

    @Test func varintUsesAllSixtyFourBits() throws {
        var buffer = ByteBuffer()
        buffer.writeVarint(.max)
        #expect(buffer.readableBytes == 10)
        #expect(try buffer.readVarint() == .max)
    }
}
