import DurableWire
import Testing

/// A shared `Namespace`: attributes by name; names that begin with `_` stay on the proxy.
struct NamespaceTests {
    private func namespace(_ initial: Value? = nil) throws -> (HarnessClient, ObjectReference) {
        let client = try ManagerHarness().connect()
        return (client, try client.create("Namespace", initial.map { [$0] } ?? []))
    }

    @Test func setThenGetAnAttribute() throws {
        let (client, ns) = try namespace()
        try client.value(ns, "__setattr__", ["x", 1])
        try client.value(ns, "__setattr__", ["y", ["a": [1, 2]]])
        #expect(try client.value(ns, "__getattr__", ["x"]) == 1)
        #expect(try client.value(ns, "__getattr__", ["y"]) == ["a": [1, 2]])
        try client.value(ns, "__setattr__", ["x", "replaced"])
        #expect(try client.value(ns, "__getattr__", ["x"]) == "replaced")
    }

    @Test func aMissingAttributeIsAttributeError() throws {
        let (client, ns) = try namespace()
        let error = try client.error(ns, "__getattr__", ["missing"])
        #expect(error?.code == .attributeError)
        #expect(error?.message == "'Namespace' object has no attribute 'missing'")
    }

    @Test func delAttrRemovesAndAMissingAttributeIsAttributeError() throws {
        let (client, ns) = try namespace(["x": 1, "y": 2])
        try client.value(ns, "__delattr__", ["x"])
        #expect(try client.errorCode(ns, "__getattr__", ["x"]) == .attributeError)
        #expect(try client.errorCode(ns, "__delattr__", ["x"]) == .attributeError)
        #expect(try client.value(ns, "_getvalue") == ["y": 2])
    }

    @Test func getValueListsAttributesInTheOrderTheyWereFirstSet() throws {
        let (client, ns) = try namespace()
        for name in ["b", "a", "c"] { try client.value(ns, "__setattr__", [.string(name), .string(name)]) }
        try client.value(ns, "__setattr__", ["b", 0])
        guard case .map(let attributes) = try client.value(ns, "_getvalue") else {
            Issue.record("_getvalue did not return a map")
            return
        }
        #expect(Array(attributes.keys) == ["b", "a", "c"])
        #expect(Array(attributes.values) == [0, "a", "c"])
    }

    @Test func underscoreNamesAreRefusedAndNeverStored() throws {
        let (client, ns) = try namespace()
        for name in ["_private", "__dunder__", "_"] {
            #expect(try client.errorCode(ns, "__setattr__", [.string(name), 1]) == .attributeError, "\(name)")
            #expect(try client.errorCode(ns, "__getattr__", [.string(name)]) == .attributeError, "\(name)")
        }
        #expect(try client.value(ns, "_getvalue") == [:])
    }

    @Test func creationTakesAMapOfPublicNames() throws {
        let (client, ns) = try namespace(["x": 1, "y": "two"])
        #expect(try client.value(ns, "__getattr__", ["y"]) == "two")
        #expect(try client.value(ns, "_getvalue") == ["x": 1, "y": "two"])
        for arguments: [Value] in [[["_hidden": 1]], [[1: "x"]], [["x", 1]]] {
            guard case .failure(let error) = try client.call(0, "create", ["Namespace", nil, .array(arguments)]) else {
                Issue.record("Namespace(\(arguments)) was accepted")
                continue
            }
            #expect(error.code == .attributeError || error.code == .wrongType, "Namespace(\(arguments))")
        }
    }

    @Test func attributeNamesMustBeStrings() throws {
        let (client, ns) = try namespace(["x": 1])
        #expect(try client.errorCode(ns, "__getattr__", [1]) == .wrongType)
        #expect(try client.errorCode(ns, "__setattr__", [1, 1]) == .wrongType)
        #expect(try client.errorCode(ns, "__delattr__", [nil]) == .wrongType)
    }

    @Test func wrongArgumentCountsAreTypeError() throws {
        let (client, ns) = try namespace(["x": 1])
        #expect(try client.errorCode(ns, "__getattr__") == .wrongType)
        #expect(try client.errorCode(ns, "__setattr__", ["x"]) == .wrongType)
        #expect(try client.errorCode(ns, "__delattr__", ["x", "y"]) == .wrongType)
        #expect(try client.errorCode(ns, "_getvalue", ["x"]) == .wrongType)
    }
}
