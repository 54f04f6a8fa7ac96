import DurableWire
import Testing

/// A shared `dict` against CPython 3.11's `dict`: same results, same order, same exceptions.
struct DictTests {
    /// A client (which keeps its harness alive) and a new anonymous dict.
    private func dict(_ initial: Value? = nil) throws -> (HarnessClient, ObjectReference) {
        let client = try ManagerHarness().connect()
        return (client, try client.create("dict", initial.map { [$0] } ?? []))
    }

    @Test func setItemThenGetItemLenAndContains() throws {
        let (client, d) = try dict()
        #expect(try client.value(d, "__len__") == 0)
        try client.value(d, "__setitem__", ["a", 1])
        try client.value(d, "__setitem__", [2, ["nested": [1, 2]]])
        try client.value(d, "__setitem__", [nil, "none is a key"])
        #expect(try client.value(d, "__getitem__", ["a"]) == 1)
        #expect(try client.value(d, "__getitem__", [2]) == ["nested": [1, 2]])
        #expect(try client.value(d, "__getitem__", [nil]) == "none is a key")
        #expect(try client.value(d, "__len__") == 3)
        #expect(try client.value(d, "__contains__", ["a"]) == true)
        #expect(try client.value(d, "__contains__", ["b"]) == false)
    }

    @Test func getItemOfAMissingKeyIsKeyError() throws {
        let (client, d) = try dict(["a": 1])
        #expect(try client.errorCode(d, "__getitem__", ["b"]) == .keyError)
        // Keys of different kinds never match: "1" is not 1.
        #expect(try client.errorCode(d, "__getitem__", [.bytes([0x61])]) == .keyError)
    }

    @Test func delItemRemovesAndAMissingKeyIsKeyError() throws {
        let (client, d) = try dict(["a": 1, "b": 2])
        try client.value(d, "__delitem__", ["a"])
        #expect(try client.value(d, "keys") == ["b"])
        #expect(try client.errorCode(d, "__delitem__", ["a"]) == .keyError)
        #expect(try client.value(d, "__len__") == 1)
    }

    @Test func getReturnsTheValueTheDefaultOrNone() throws {
        let (client, d) = try dict(["a": 1])
        #expect(try client.value(d, "get", ["a"]) == 1)
        #expect(try client.value(d, "get", ["a", 5]) == 1)
        #expect(try client.value(d, "get", ["b"]) == .null)
        #expect(try client.value(d, "get", ["b", 5]) == 5)
        // get never inserts.
        #expect(try client.value(d, "__len__") == 1)
    }

    @Test func insertionOrderSurvivesResettingAKeyAndDeletingMovesItToTheEnd() throws {
        let (client, d) = try dict()
        for (key, value): (String, Int64) in [("a", 1), ("b", 2), ("c", 3)] {
            try client.value(d, "__setitem__", [.string(key), .int(value)])
        }
        // d['a'] = 9 keeps 'a' first, as in Python.
        try client.value(d, "__setitem__", ["a", 9])
        #expect(try client.value(d, "keys") == ["a", "b", "c"])
        #expect(try client.value(d, "values") == [9, 2, 3])
        #expect(try client.value(d, "items") == [["a", 9], ["b", 2], ["c", 3]])
        // del d['a']; d['a'] = 1 puts it last.
        try client.value(d, "__delitem__", ["a"])
        try client.value(d, "__setitem__", ["a", 1])
        #expect(try client.value(d, "items") == [["b", 2], ["c", 3], ["a", 1]])
    }

    @Test func popReturnsAndRemovesOrTheDefaultOrKeyError() throws {
        let (client, d) = try dict(["a": 1, "b": 2])
        #expect(try client.value(d, "pop", ["a"]) == 1)
        #expect(try client.value(d, "keys") == ["b"])
        #expect(try client.value(d, "pop", ["a", "fallback"]) == "fallback")
        #expect(try client.value(d, "pop", ["a", nil]) == .null)
        #expect(try client.errorCode(d, "pop", ["a"]) == .keyError)
        #expect(try client.value(d, "keys") == ["b"])
    }

    @Test func popItemIsLastInFirstOutEvenAfterResettingAnOlderKey() throws {
        let (client, d) = try dict(["a": 1, "b": 2, "c": 3])
        // Re-setting 'a' does not make it the newest entry.
        try client.value(d, "__setitem__", ["a", 9])
        #expect(try client.value(d, "popitem") == ["c", 3])
        #expect(try client.value(d, "popitem") == ["b", 2])
        #expect(try client.value(d, "popitem") == ["a", 9])
        let error = try client.error(d, "popitem")
        #expect(error?.code == .keyError)
        #expect(error?.message == "popitem(): dictionary is empty")
    }

    @Test func setDefaultKeepsAnExistingValueAndInsertsOtherwise() throws {
        let (client, d) = try dict(["a": 1])
        #expect(try client.value(d, "setdefault", ["a", 5]) == 1)
        #expect(try client.value(d, "__getitem__", ["a"]) == 1)
        #expect(try client.value(d, "setdefault", ["b", 5]) == 5)
        // setdefault(k) with no default stores None.
        #expect(try client.value(d, "setdefault", ["c"]) == .null)
        #expect(try client.value(d, "items") == [["a", 1], ["b", 5], ["c", nil]])
    }

    @Test func updateFromAMapOrPairsKeepsExistingPositions() throws {
        let (client, d) = try dict(["a": 1, "b": 2])
        try client.value(d, "update", [["b": 5, "c": 6]])
        #expect(try client.value(d, "items") == [["a", 1], ["b", 5], ["c", 6]])
        try client.value(d, "update", [[["d", 7], ["a", 0]]])
        #expect(try client.value(d, "items") == [["a", 0], ["b", 5], ["c", 6], ["d", 7]])
    }

    @Test func updateWithNothingChangesNothing() throws {
        // d.update() is valid Python and a no-op.
        let (client, d) = try dict(["a": 1])
        #expect(try client.call(d, "update") == .success(.null))
        #expect(try client.value(d, "items") == [["a", 1]])
    }

    @Test func updateRefusesWhatIsNotAMappingOrPairs() throws {
        let (client, d) = try dict(["a": 1])
        // d.update(5): TypeError: 'int' object is not iterable.
        #expect(try client.errorCode(d, "update", [5]) == .wrongType)
        // d.update([5]): TypeError: cannot convert dictionary update sequence element #0 to a sequence.
        #expect(try client.errorCode(d, "update", [[5]]) == .wrongType)
        // d.update([[1, 2, 3]]): ValueError: dictionary update sequence element #0 has length 3; 2 is required.
        #expect(try client.errorCode(d, "update", [[[1, 2, 3]]]) == .valueError)
        // d.update([[[1], 2]]): TypeError: unhashable type: 'list'.
        #expect(try client.errorCode(d, "update", [[[[1], 2]]]) == .wrongType)
        #expect(try client.value(d, "items") == [["a", 1]])
    }

    @Test func clearEmptiesAndCopyIsASnapshot() throws {
        let (client, d) = try dict(["a": 1, "b": 2])
        let copy = try client.value(d, "copy")
        #expect(copy == ["a": 1, "b": 2])
        try client.value(d, "clear")
        #expect(try client.value(d, "__len__") == 0)
        #expect(try client.value(d, "items") == [])
        #expect(copy == ["a": 1, "b": 2])
    }

    @Test func creationTakesAMapOrPairs() throws {
        let client = try ManagerHarness().connect()
        let fromMap = try client.create("dict", [["x": 1, "y": 2]])
        #expect(try client.value(fromMap, "items") == [["x", 1], ["y", 2]])
        let fromPairs = try client.create("dict", [[["y", 2], ["x", 1], ["y", 3]]])
        #expect(try client.value(fromPairs, "items") == [["y", 3], ["x", 1]])
        guard case .failure(let error) = try client.call(0, "create", ["dict", nil, [5]]) else {
            Issue.record("dict(5) was accepted")
            return
        }
        #expect(error.code == .wrongType)
    }

    @Test func unhashableKeysAreTypeError() throws {
        let (client, d) = try dict(["a": 1])
        for method in ["__getitem__", "__contains__", "get", "__delitem__", "pop", "setdefault"] {
            #expect(try client.errorCode(d, method, [[1]]) == .wrongType, "\(method)([1])")
            #expect(try client.errorCode(d, method, [["k": 1]]) == .wrongType, "\(method)({'k': 1})")
        }
        #expect(try client.errorCode(d, "__setitem__", [[1], 2]) == .wrongType)
        #expect(try client.value(d, "items") == [["a", 1]])
    }

    @Test func numbersThatCompareEqualAreTheSameKey() throws {
        // In Python 1 == 1.0 == True hash alike: {1: 'a'}[1.0] == 'a', and d[True] = 'b'
        // overwrites d[1], keeping the first key.
        let (client, d) = try dict()
        try client.value(d, "__setitem__", [1, "a"])
        #expect(try client.value(d, "__getitem__", [1.0]) == "a")
        #expect(try client.value(d, "__contains__", [true]) == true)
        try client.value(d, "__setitem__", [true, "b"])
        #expect(try client.value(d, "items") == [[1, "b"]])
        try client.value(d, "__delitem__", [1.0])
        #expect(try client.value(d, "__len__") == 0)
    }

    @Test func wrongArgumentCountsAreTypeError() throws {
        let (client, d) = try dict(["a": 1])
        #expect(try client.errorCode(d, "__getitem__") == .wrongType)
        #expect(try client.errorCode(d, "__getitem__", ["a", "b"]) == .wrongType)
        #expect(try client.errorCode(d, "__setitem__", ["a"]) == .wrongType)
        #expect(try client.errorCode(d, "get", ["a", 1, 2]) == .wrongType)
        #expect(try client.errorCode(d, "pop") == .wrongType)
        #expect(try client.errorCode(d, "keys", ["a"]) == .wrongType)
        #expect(try client.errorCode(d, "popitem", ["a"]) == .wrongType)
        #expect(try client.errorCode(d, "update", [["b": 2], ["c": 3]]) == .wrongType)
    }
}
