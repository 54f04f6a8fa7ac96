import DurableWire
import Testing

/// A shared `list` against CPython 3.11's `list`: indices, errors, and a stable sort.
struct ListTests {
    /// A client (which keeps its harness alive) and a new anonymous list.
    private func list(_ items: Value? = nil) throws -> (HarnessClient, ObjectReference) {
        let client = try ManagerHarness().connect()
        return (client, try client.create("list", items.map { [$0] } ?? []))
    }

    @Test func getItemTakesPositiveAndNegativeIndices() throws {
        let (client, l) = try list(["a", "b", "c"])
        #expect(try client.value(l, "__len__") == 3)
        #expect(try client.value(l, "__getitem__", [0]) == "a")
        #expect(try client.value(l, "__getitem__", [2]) == "c")
        #expect(try client.value(l, "__getitem__", [-1]) == "c")
        #expect(try client.value(l, "__getitem__", [-3]) == "a")
        // l[True] is l[1] in Python.
        #expect(try client.value(l, "__getitem__", [true]) == "b")
    }

    @Test func getItemOutOfRangeIsIndexErrorOnBothSides() throws {
        let (client, l) = try list(["a", "b", "c"])
        for index: Value in [3, 100, -4, -100] {
            let error = try client.error(l, "__getitem__", [index])
            #expect(error?.code == .indexError, "l[\(index)]")
            #expect(error?.message.hasPrefix("list index out of range") == true)
        }
        let (emptyClient, empty) = try list()
        #expect(try emptyClient.errorCode(empty, "__getitem__", [0]) == .indexError)
        #expect(try emptyClient.errorCode(empty, "__getitem__", [-1]) == .indexError)
    }

    @Test func aNonIntegerIndexIsTypeError() throws {
        // l['a']: TypeError: list indices must be integers or slices, not str.
        let (client, l) = try list(["a"])
        #expect(try client.errorCode(l, "__getitem__", ["0"]) == .wrongType)
        #expect(try client.errorCode(l, "__getitem__", [0.0]) == .wrongType)
        #expect(try client.errorCode(l, "__setitem__", [nil, 1]) == .wrongType)
        #expect(try client.errorCode(l, "__delitem__", ["0"]) == .wrongType)
    }

    @Test func setItemReplacesAndOutOfRangeIsIndexError() throws {
        let (client, l) = try list([1, 2, 3])
        try client.value(l, "__setitem__", [0, "first"])
        try client.value(l, "__setitem__", [-1, "last"])
        #expect(try client.value(l, "copy") == ["first", 2, "last"])
        for index: Value in [3, -4] {
            let error = try client.error(l, "__setitem__", [index, 0])
            #expect(error?.code == .indexError)
            #expect(error?.message.hasPrefix("list assignment index out of range") == true)
        }
        #expect(try client.value(l, "copy") == ["first", 2, "last"])
    }

    @Test func delItemRemovesAndOutOfRangeIsIndexError() throws {
        let (client, l) = try list([1, 2, 3, 4])
        try client.value(l, "__delitem__", [0])
        try client.value(l, "__delitem__", [-1])
        #expect(try client.value(l, "copy") == [2, 3])
        #expect(try client.errorCode(l, "__delitem__", [2]) == .indexError)
        #expect(try client.errorCode(l, "__delitem__", [-3]) == .indexError)
        #expect(try client.value(l, "copy") == [2, 3])
    }

    @Test func appendExtendAndInPlaceAdd() throws {
        let (client, l) = try list()
        try client.value(l, "append", [1])
        try client.value(l, "append", [[2, 3]])
        try client.value(l, "extend", [[4, 5]])
        try client.value(l, "__iadd__", [["six"]])
        try client.value(l, "extend", [[]])
        #expect(try client.value(l, "copy") == [1, [2, 3], 4, 5, "six"])
        // l.extend(5): TypeError: 'int' object is not iterable.
        #expect(try client.errorCode(l, "extend", [5]) == .wrongType)
        #expect(try client.errorCode(l, "__iadd__", [nil]) == .wrongType)
        #expect(try client.value(l, "__len__") == 5)
    }

    @Test func insertClampsIndicesAsPythonDoes() throws {
        let (client, l) = try list([1, 2, 3])
        // l.insert(-1, 'x') goes before the last item.
        try client.value(l, "insert", [-1, "x"])
        #expect(try client.value(l, "copy") == [1, 2, "x", 3])
        try client.value(l, "insert", [-10, "y"])
        try client.value(l, "insert", [10, "z"])
        try client.value(l, "insert", [1, "w"])
        #expect(try client.value(l, "copy") == ["y", "w", 1, 2, "x", 3, "z"])
        let (emptyClient, empty) = try list()
        try emptyClient.value(empty, "insert", [5, "only"])
        #expect(try emptyClient.value(empty, "copy") == ["only"])
    }

    @Test func popTakesTheLastOrTheGivenIndex() throws {
        let (client, l) = try list([1, 2, 3, 4, 5])
        #expect(try client.value(l, "pop") == 5)
        #expect(try client.value(l, "pop", [0]) == 1)
        #expect(try client.value(l, "pop", [-2]) == 3)
        #expect(try client.value(l, "copy") == [2, 4])
    }

    @Test func popErrorsMatchPython() throws {
        let (client, l) = try list([1])
        let outOfRange = try client.error(l, "pop", [5])
        #expect(outOfRange?.code == .indexError)
        #expect(outOfRange?.message.hasPrefix("pop index out of range") == true)
        #expect(try client.errorCode(l, "pop", [-2]) == .indexError)
        #expect(try client.value(l, "pop") == 1)
        for arguments: [Value] in [[], [0], [-1]] {
            let error = try client.error(l, "pop", arguments)
            #expect(error?.code == .indexError)
            #expect(error?.message == "pop from empty list")
        }
        // [].pop('a'): the argument is checked first, TypeError.
        #expect(try client.errorCode(l, "pop", ["a"]) == .wrongType)
    }

    @Test func removeTakesTheFirstEqualItemOrIsValueError() throws {
        let (client, l) = try list([1, 2, 1.0, "1"])
        try client.value(l, "remove", [1.0])
        #expect(try client.value(l, "copy") == [2, 1.0, "1"])
        try client.value(l, "remove", [true])
        #expect(try client.value(l, "copy") == [2, "1"])
        let error = try client.error(l, "remove", [3])
        #expect(error?.code == .valueError)
        #expect(error?.message.hasPrefix("list.remove(x)") == true)
        #expect(try client.value(l, "copy") == [2, "1"])
    }

    @Test func indexSearchesWithinStartAndStop() throws {
        let (client, l) = try list([1, 2, 3, 2])
        #expect(try client.value(l, "index", [2]) == 1)
        #expect(try client.value(l, "index", [2, 2]) == 3)
        #expect(try client.value(l, "index", [2, -2]) == 3)
        #expect(try client.value(l, "index", [2, -10, 10]) == 1)
        #expect(try client.value(l, "index", [2.0]) == 1)
        // [1, 2, 3, 2].index(3, 0, 2): ValueError: 3 is not in list.
        #expect(try client.errorCode(l, "index", [3, 0, 2]) == .valueError)
        #expect(try client.errorCode(l, "index", [1, 1]) == .valueError)
        #expect(try client.errorCode(l, "index", [1, 3, 1]) == .valueError)
        #expect(try client.errorCode(l, "index", [9]) == .valueError)
    }

    @Test func countAndContainsUsePythonEquality() throws {
        let (client, l) = try list([1, 1.0, true, "1", [1]])
        #expect(try client.value(l, "count", [1]) == 3)
        #expect(try client.value(l, "count", ["1"]) == 1)
        #expect(try client.value(l, "count", [[1.0]]) == 1)
        #expect(try client.value(l, "count", [2]) == 0)
        #expect(try client.value(l, "__contains__", [1.0]) == true)
        #expect(try client.value(l, "__contains__", [[true]]) == true)
        #expect(try client.value(l, "__contains__", ["2"]) == false)
    }

    @Test func reverseReversesInPlace() throws {
        let (client, l) = try list([1, "b", [3]])
        try client.value(l, "reverse")
        #expect(try client.value(l, "copy") == [[3], "b", 1])
    }

    @Test func sortIsStableAscending() throws {
        // l = [1.0, True, 1, 0, 2]; l.sort() gives [0, 1.0, True, 1, 2]: equal items keep their order.
        let (client, l) = try list([1.0, true, 1, 0, 2])
        try client.value(l, "sort")
        #expect(try client.value(l, "copy") == [0, 1.0, true, 1, 2])
    }

    @Test func sortReverseIsStableToo() throws {
        // l.sort(reverse=True) gives [2, 1.0, True, 1, 0]: equal items still keep their order.
        let (client, l) = try list([1.0, true, 1, 0, 2])
        try client.value(l, "sort", [true])
        #expect(try client.value(l, "copy") == [2, 1.0, true, 1, 0])
    }

    @Test func sortOrdersStringsByCodePointAndListsElementwise() throws {
        let (client, strings) = try list(["b", "B", "a", "é", "A"])
        try client.value(strings, "sort")
        #expect(try client.value(strings, "copy") == ["A", "B", "a", "b", "é"])
        let lists = try client.create("list", [[[2], [1, 2], [1], [1, 1]]])
        try client.value(lists, "sort")
        #expect(try client.value(lists, "copy") == [[1], [1, 1], [1, 2], [2]])
    }

    @Test func sortOfUnorderableItemsIsTypeErrorAndLeavesTheListUnchanged() throws {
        // [3, 'a', 1].sort(): TypeError: '<' not supported between instances of 'str' and 'int'.
        let (client, l) = try list([3, "a", 1])
        #expect(try client.errorCode(l, "sort") == .wrongType)
        #expect(try client.errorCode(l, "sort", [true]) == .wrongType)
        #expect(try client.value(l, "copy") == [3, "a", 1])
        let maps = try client.create("list", [[["a": 1], ["b": 2]]])
        #expect(try client.errorCode(maps, "sort") == .wrongType)
        let nones = try client.create("list", [[nil, nil]])
        #expect(try client.errorCode(nones, "sort") == .wrongType)
        // One item is never compared: [None].sort() is fine.
        let single = try client.create("list", [[nil]])
        #expect(try client.call(single, "sort") == .success(.null))
    }

    @Test func clearAndCopy() throws {
        let (client, l) = try list([1, 2])
        let copy = try client.value(l, "copy")
        try client.value(l, "clear")
        #expect(try client.value(l, "__len__") == 0)
        #expect(copy == [1, 2])
    }

    @Test func addReturnsANewListAndLeavesTheSharedOneAlone() throws {
        let (client, l) = try list([1, 2])
        #expect(try client.value(l, "__add__", [[3]]) == [1, 2, 3])
        #expect(try client.value(l, "copy") == [1, 2])
        // [1] + 'a': TypeError: can only concatenate list (not "str") to list.
        #expect(try client.errorCode(l, "__add__", ["a"]) == .wrongType)
    }

    @Test func multiplyRepeatsAndANonPositiveCountEmpties() throws {
        let (client, l) = try list([1, 2])
        #expect(try client.value(l, "__mul__", [2]) == [1, 2, 1, 2])
        #expect(try client.value(l, "__mul__", [0]) == [])
        #expect(try client.value(l, "__mul__", [-1]) == [])
        #expect(try client.value(l, "copy") == [1, 2])
        // [1] * 1.5: TypeError: can't multiply sequence by non-int of type 'float'.
        #expect(try client.errorCode(l, "__mul__", [1.5]) == .wrongType)
        try client.value(l, "__imul__", [2])
        #expect(try client.value(l, "copy") == [1, 2, 1, 2])
        try client.value(l, "__imul__", [0])
        #expect(try client.value(l, "copy") == [])
    }

    @Test func creationTakesAnyIterable() throws {
        // list('abc') is ['a', 'b', 'c']; list({1: 2}) is [1]; list(b'ab') is [97, 98].
        let client = try ManagerHarness().connect()
        for (argument, items): (Value, Value) in [("abc", ["a", "b", "c"]), ("e\u{301}", ["e", "\u{301}"]), ([1: 2], [1]), (.bytes([97, 98]), [97, 98])] {
            guard case .reference(let l) = try client.call(0, "create", ["list", nil, [argument]]).get() else {
                Issue.record("no list for \(argument)")
                continue
            }
            #expect(try client.value(l, "copy") == items)
        }
        #expect(try client.call(0, "create", ["list", nil, [5]]).errorCode == .wrongType)
    }

    @Test func wrongArgumentCountsAreTypeError() throws {
        let (client, l) = try list([1])
        #expect(try client.errorCode(l, "append") == .wrongType)
        #expect(try client.errorCode(l, "append", [1, 2]) == .wrongType)
        #expect(try client.errorCode(l, "insert", [0]) == .wrongType)
        #expect(try client.errorCode(l, "pop", [0, 1]) == .wrongType)
        #expect(try client.errorCode(l, "index") == .wrongType)
        #expect(try client.errorCode(l, "sort", [true, false]) == .wrongType)
        #expect(try client.errorCode(l, "sort", ["yes"]) == .wrongType)
        #expect(try client.value(l, "copy") == [1])
    }
}
