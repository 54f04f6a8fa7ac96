import PythonProtocol
import Testing

/// What the reader accepts from CPython 3.11's pickler, and what it refuses.
struct PickleReaderTests {
    private func refusal(_ bytes: [UInt8]) -> PythonProtocolError.Code? {
        do {
            _ = try PickleReader.read(bytes)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func aRequestAsCPythonPicklesIt() throws {
        // ('1a', 'get', (slice(1, 3, None), range(5), {1, 2}, Token('dict', '/tmp/s', '1f'), 2**63-1), {'timeout': 0.5})
        let value = try PickleReader.read(PickleWriter.bytes(.tuple([
            .string("1a"), .string("get"),
            .tuple([.slice(.int(1), .int(3), .none), .range(start: 0, stop: 5, step: 1), .set([.int(1), .int(2)]),
                    .token(PythonToken(typeID: "dict", address: .string("/tmp/s"), id: "1f")), .int(.max)]),
            .dict([PickleDictEntry(.string("timeout"), .float(0.5))]),
        ])))
        guard case .tuple(let fields) = value, fields.count == 4, case .tuple(let arguments) = fields[2] else {
            Issue.record("not a request: \(value)")
            return
        }
        #expect(arguments[0] == .slice(.int(1), .int(3), .none))
        #expect(arguments[3] == .token(PythonToken(typeID: "dict", address: .string("/tmp/s"), id: "1f")))
        #expect(arguments[4] == .int(.max))
    }

    @Test func intsThatFit64BitsAreReadAndLargerOnesRefused() throws {
        #expect(try PickleReader.read([128, 4, 149, 11, 0, 0, 0, 0, 0, 0, 0, 138, 8, 0, 0, 0, 0, 0, 0, 0, 128, 46]) == .int(.min))
        // 2**64
        #expect(refusal([128, 4, 149, 12, 0, 0, 0, 0, 0, 0, 0, 138, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, 46]) == .refusedPickle)
    }

    @Test func aReduceToOsSystemIsRefused() {
        // ('0', 'create', (a __reduce__ to os.system('true'),), {}) from CPython 3.11.
        let evil: [UInt8] = [128, 4, 149, 51, 0, 0, 0, 0, 0, 0, 0, 40, 140, 1, 48, 148, 140, 6, 99, 114, 101, 97, 116, 101, 148, 140, 5, 112, 111, 115, 105, 120, 148, 140, 6, 115, 121, 115, 116, 101, 109, 148, 147, 148, 140, 4, 116, 114, 117, 101, 148, 133, 148, 82, 148, 133, 148, 125, 148, 116, 148, 46]
        #expect(refusal(evil) == .refusedPickle)
        // GLOBAL 'builtins eval', and an allowed class called by REDUCE in a shape it is not.
        #expect(refusal(Array("cbuiltins\neval\n".utf8) + [0x29, 0x52, 0x2E]) == .refusedPickle)
        #expect(refusal(Array("cmultiprocessing.managers\nToken\n".utf8) + [0x29, 0x52, 0x2E]) == .refusedPickle)
        // INST and OBJ run code in CPython; here they are not data opcodes.
        #expect(refusal([0x80, 2, 0x28, 0x6F, 0x2E]) == .refusedPickle)
    }

    @Test func cutAndInconsistentPicklesAreMalformed() {
        #expect(refusal([]) == .malformedPickle)
        #expect(refusal([0x80, 4, 0x95]) == .malformedPickle)
        #expect(refusal([0x80, 4, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x2E]) == .malformedPickle)
        #expect(refusal([0x80, 4, 0x61, 0x2E]) == .malformedPickle) // APPEND with nothing
        #expect(refusal([0x80, 4, 0x68, 7, 0x2E]) == .malformedPickle) // a memo entry never stored
        #expect(refusal([0x80, 9, 0x4E, 0x2E]) == .refusedPickle)
    }

    @Test func nestingSelfReferenceAndExpansionAreBounded() {
        // 100,000 nested lists (MARK ... LIST ...): refused, and nothing deep to deallocate.
        let deep = [0x80, 4] + [UInt8](repeating: 0x28, count: 100_000) + [UInt8](repeating: 0x6C, count: 100_000) + [0x2E]
        #expect(refusal(deep) == .pickleTooLarge)
        // 100,000 nested tuples.
        let tuples = [0x80, 4, 0x29] + [UInt8](repeating: 0x85, count: 100_000) + [0x2E]
        #expect(refusal(tuples) == .pickleTooLarge)
        // A list that contains itself: EMPTY_LIST MEMOIZE BINGET 0 APPEND STOP.
        #expect(refusal([0x80, 4, 0x5D, 0x94, 0x68, 0, 0x61, 0x2E]) == .pickleTooLarge)
        // set((set((...),),),) by REDUCE, 10,000 deep: every REDUCE's result counts its depth.
        let global = Array("cbuiltins\nset\n".utf8)
        var sets: [UInt8] = [0x80, 4]
        for _ in 0..<10_000 { sets += global }
        sets.append(0x5D)
        for _ in 0..<10_000 { sets += [0x85, 0x52] }
        sets.append(0x2E)
        #expect(refusal(sets) == .pickleTooLarge)
        // Billion laughs: each list holds the previous one ten times, through the memo.
        var laughs: [UInt8] = [0x80, 4, 0x4E, 0x94]
        for level in 0..<20 {
            laughs += [0x5D, 0x94, 0x28]
            for _ in 0..<10 { laughs += [0x68, UInt8(level)] }
            laughs.append(0x65)
        }
        #expect(refusal(laughs + [0x2E]) == .pickleTooLarge)
    }
}
