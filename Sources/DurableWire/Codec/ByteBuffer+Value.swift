public import NIOCore
import OrderedCollections

/// The compact binary encoding of ``Value``, shared by the wire and the journal.
///
/// Each value is a one-byte tag and a body: integers are zigzag varints, doubles 8 bytes
/// big-endian, strings and bytes a varint length and the bytes, arrays and maps a varint count
/// and their items. `docs/JOURNAL.md` documents the tags for operators.
extension ByteBuffer {
    private enum Tag: UInt8 {
        case null = 0, `false` = 1, `true` = 2, int = 3, double = 4, string = 5, bytes = 6
        case array = 7, map = 8, reference = 9
    }

    /// The most items an array or map reserves room for before reading them, when no memory
    /// budget bounds the read. A count is only checked against the bytes left, and every level of
    /// a nested frame may claim all of them, so reserving whole counts would let one forged frame
    /// reserve depth × size × 32 bytes; under a budget, each reservation is charged first.
    private static let maxReservedItems = 1024

    /// Appends `value` in the binary encoding.
    /// - Returns: The number of bytes written.
    @discardableResult
    public mutating func writeValue(_ value: Value) -> Int {
        let start = writerIndex
        switch value {
        case .null: writeInteger(Tag.null.rawValue)
        case .bool(let flag): writeInteger(flag ? Tag.true.rawValue : Tag.false.rawValue)
        case .int(let number):
            writeInteger(Tag.int.rawValue)
            writeVarint(UInt64(bitPattern: (number << 1) ^ (number >> 63)))
        case .double(let number):
            writeInteger(Tag.double.rawValue)
            writeInteger(number.bitPattern)
        case .string(let text):
            writeInteger(Tag.string.rawValue)
            writeLengthPrefixedString(text)
        case .bytes(let bytes):
            writeInteger(Tag.bytes.rawValue)
            writeVarint(UInt64(bytes.count))
            writeBytes(bytes)
        case .array(let items):
            writeInteger(Tag.array.rawValue)
            writeVarint(UInt64(items.count))
            for item in items { writeValue(item) }
        case .map(let entries):
            writeInteger(Tag.map.rawValue)
            writeVarint(UInt64(entries.count))
            for (key, item) in entries {
                writeValue(key)
                writeValue(item)
            }
        case .reference(let reference):
            writeInteger(Tag.reference.rawValue)
            writeVarint(reference.id)
            writeLengthPrefixedString(reference.typeID)
        }
        return writerIndex - start
    }

    /// Reads one value written by ``writeValue(_:)``.
    ///
    /// Never traps on bad input: every malformation is a thrown ``ValueCodingError``, and the
    /// reader index is left where it was.
    /// - Parameters:
    ///   - maxDepth: How deeply arrays and maps may nest (``Value/nesting``): what a client sends
    ///     is read with ``ValueNesting/accepted``, what the manager wrote (the journal, replies)
    ///     with ``ValueNesting/stored``, the default.
    ///   - maxMemory: How many bytes of memory the decoded value may take. A value of tiny items
    ///     takes far more memory than bytes (a null is 1 byte encoded, a 32-byte ``Value`` decoded),
    ///     so a reader of untrusted bytes bounds it; the count is checked before each allocation.
    /// - Throws: ``ValueCodingError`` when the bytes are not a value, or would take more memory.
    public mutating func readValue(maxDepth: Int = ValueNesting.stored, maxMemory: Int = .max) throws(ValueCodingError) -> Value {
        var budget = maxMemory
        return try readValue(maxDepth: maxDepth, budget: &budget)
    }

    /// Reads one value, taking what it costs in memory from `budget`, which several values
    /// (a request's arguments) can share.
    package mutating func readValue(maxDepth: Int, budget: inout Int) throws(ValueCodingError) -> Value {
        let start = readerIndex
        let maxMemory = budget
        do {
            return try readValue(depth: 0, maxDepth: maxDepth, budget: &budget, maxMemory: maxMemory)
        } catch {
            moveReaderIndex(to: start)
            throw error
        }
    }

    /// Roughly what decoded values cost beyond their own ``Value``: an array's or a string's
    /// heap header, a map's hash table per entry.
    private static let heapHeader = 32
    private static let mapEntryOverhead = 16

    private mutating func readValue(depth: Int, maxDepth: Int, budget: inout Int, maxMemory: Int) throws(ValueCodingError) -> Value {
        func charge(_ bytes: Int) throws(ValueCodingError) {
            guard bytes <= budget else { throw .tooLarge(maxMemory: maxMemory) }
            budget -= bytes
        }
        try charge(MemoryLayout<Value>.stride)
        guard let rawTag = readInteger(as: UInt8.self) else { throw .truncated }
        guard let tag = Tag(rawValue: rawTag) else { throw .unknownTag(rawTag) }
        switch tag {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .int:
            let zigzag = try readVarint()
            return .int(Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1))
        case .double:
            guard let bits = readInteger(as: UInt64.self) else { throw .truncated }
            return .double(Double(bitPattern: bits))
        case .string:
            try charge(Self.heapHeader + peekLength())
            return .string(try readLengthPrefixedString())
        case .bytes:
            let length = try readLength()
            try charge(Self.heapHeader + length)
            guard let bytes = readBytes(length: length) else { throw .truncated }
            return .bytes(bytes)
        case .array:
            guard depth < maxDepth else { throw .tooDeep(limit: maxDepth) }
            let count = try readLength()
            // The whole array is charged before it is allocated, at once: grown item by item, it
            // would hold its old and new storage together at every doubling.
            try charge(Self.heapHeader + count * MemoryLayout<Value>.stride)
            var items: [Value] = []
            items.reserveCapacity(maxMemory == .max ? Swift.min(count, Self.maxReservedItems) : count)
            for _ in 0..<count {
                // The item's own Value is paid for with the array's storage.
                budget += MemoryLayout<Value>.stride
                items.append(try readValue(depth: depth + 1, maxDepth: maxDepth, budget: &budget, maxMemory: maxMemory))
            }
            return .array(items)
        case .map:
            guard depth < maxDepth else { throw .tooDeep(limit: maxDepth) }
            let count = try readLength(minimumBytesPerItem: 2)
            // As for an array: keys, values and the hash table, charged before they are allocated.
            try charge(3 * Self.heapHeader + count * (2 * MemoryLayout<Value>.stride + Self.mapEntryOverhead))
            var entries = OrderedDictionary<Value, Value>(minimumCapacity: maxMemory == .max ? Swift.min(count, Self.maxReservedItems) : count)
            for _ in 0..<count {
                budget += 2 * MemoryLayout<Value>.stride
                let key = try readValue(depth: depth + 1, maxDepth: maxDepth, budget: &budget, maxMemory: maxMemory)
                entries[key] = try readValue(depth: depth + 1, maxDepth: maxDepth, budget: &budget, maxMemory: maxMemory)
            }
            return .map(entries)
        case .reference:
            let id = try readVarint()
            try charge(Self.heapHeader + peekLength())
            return .reference(ObjectReference(id: id, typeID: try readLengthPrefixedString()))
        }
    }

    /// Appends an unsigned LEB128 varint.
    public mutating func writeVarint(_ value: UInt64) {
        guard value >= 0x80 else {
            writeInteger(UInt8(truncatingIfNeeded: value))
            return
        }
        // Every write to a buffer checks its capacity and uniqueness: the bytes are gathered
        // first and written once (a request carries half a dozen varints).
        var bytes: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &bytes) { raw in
            var rest = value
            var count = 0
            while rest >= 0x80 {
                raw[count] = UInt8(truncatingIfNeeded: rest) | 0x80
                rest >>= 7
                count += 1
            }
            raw[count] = UInt8(truncatingIfNeeded: rest)
            writeBytes(UnsafeRawBufferPointer(rebasing: raw[...count]))
        }
    }

    /// The length prefix at the reader index, checked as ``readLength(minimumBytesPerItem:)``
    /// checks it (so at most the bytes left), without moving the reader index.
    private func peekLength() throws(ValueCodingError) -> Int {
        var copy = self
        return try copy.readLength()
    }

    /// Reads an unsigned LEB128 varint.
    /// - Throws: ``ValueCodingError/truncated`` or ``ValueCodingError/varintOverflow``.
    public mutating func readVarint() throws(ValueCodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard let byte = readInteger(as: UInt8.self) else { throw .truncated }
            guard shift < 64, shift < 63 || byte <= 1 else { throw .varintOverflow }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Appends a varint byte count and the UTF-8 bytes of `text`.
    public mutating func writeLengthPrefixedString(_ text: String) {
        writeVarint(UInt64(text.utf8.count))
        writeString(text)
    }

    /// Reads a string written by ``writeLengthPrefixedString(_:)``.
    public mutating func readLengthPrefixedString() throws(ValueCodingError) -> String {
        let length = try readLength()
        guard let bytes = readBytes(length: length) else { throw .truncated }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
        return text
    }

    /// Reads a count and checks that the rest of the buffer could hold that many items, so a
    /// forged count cannot make the reader reserve gigabytes.
    private mutating func readLength(minimumBytesPerItem: Int = 1) throws(ValueCodingError) -> Int {
        let raw = try readVarint()
        guard raw <= UInt64(readableBytes / minimumBytesPerItem) else {
            throw .lengthTooLarge(Int(clamping: raw))
        }
        return Int(raw)
    }
}
