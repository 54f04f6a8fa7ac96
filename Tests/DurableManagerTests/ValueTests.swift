import DurableWire
import Testing

/// A shared `Value`: one value read and written whole.
struct ValueTests {
    @Test func holdsItsInitialValueAndTakesNewOnes() throws {
        let client = try ManagerHarness().connect()
        let value = try client.create("Value", [42])
        #expect(try client.value(value, "get") == 42)
        try client.value(value, "set", [["any": ["shape", 1.5]]])
        #expect(try client.value(value, "get") == ["any": ["shape", 1.5]])
        try client.value(value, "set", [nil])
        #expect(try client.value(value, "get") == .null)
    }

    @Test func startsAsNoneWithoutAnInitialValue() throws {
        let client = try ManagerHarness().connect()
        #expect(try client.value(try client.create("Value"), "get") == .null)
    }

    @Test func everyClientSeesTheLatestSet() throws {
        let harness = ManagerHarness()
        let writer = try harness.connect()
        let reader = try harness.connect()
        try writer.value(try writer.create("Value", name: "counter", [0]), "set", [7])
        #expect(try reader.value(try reader.create("Value", name: "counter"), "get") == 7)
    }

    @Test func wrongArgumentCountsAreTypeError() throws {
        let client = try ManagerHarness().connect()
        let value = try client.create("Value", [1])
        #expect(try client.errorCode(value, "get", [1]) == .wrongType)
        #expect(try client.errorCode(value, "set") == .wrongType)
        #expect(try client.errorCode(value, "set", [1, 2]) == .wrongType)
        #expect(try client.value(value, "get") == 1)
        guard case .failure(let error) = try client.call(0, "create", ["Value", nil, [1, 2]]) else {
            Issue.record("Value(1, 2) was accepted")
            return
        }
        #expect(error.code == .wrongType)
    }

    @Test func exposesOnlyGetAndSet() throws {
        let client = try ManagerHarness().connect()
        let value = try client.create("Value", [1])
        #expect(try client.errorCode(value, "value") == .notExposed)
    }
}
