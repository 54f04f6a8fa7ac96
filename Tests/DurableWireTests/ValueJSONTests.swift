import DurableWire
import Foundation
import PropertyBased
import Testing

/// `Value` and `ObjectReference` through Foundation's JSON coders, as `durablectl` prints them.
struct ValueJSONTests {
    @Test(arguments: [
        (Value.null, "null"),
        (true, "true"),
        (-7, "-7"),
        (2.5, "2.5"),
        ("a \"q\"", #""a \"q\"""#),
        (.bytes([0, 0xab, 0xff]), #"{"$bytes":"00abff"}"#),
        ([1, [nil]], "[1,[null]]"),
        (["b": 1, "a": [true]], #"{"a":[true],"b":1}"#),
        ([1: "one"], #"{"$map":[[1,"one"]]}"#),
        (["$bytes": "not bytes"], #"{"$map":[["$bytes","not bytes"]]}"#),
        (.reference(ObjectReference(id: 42, typeID: "dict")), #"{"$ref":42,"type":"dict"}"#),
        (.double(.infinity), #"{"$double":"inf"}"#),
        (.double(-.infinity), #"{"$double":"-inf"}"#),
    ] as [(Value, String)])
    func encodesToItsJSONForm(value: Value, json: String) throws {
        #expect(try Self.json(value) == json)
        #expect(try Self.normalized(Self.value(json)) == Self.normalized(value))
    }

    @Test func nanRoundTrips() throws {
        #expect(try Self.json(.double(.nan)) == #"{"$double":"nan"}"#)
        guard case .double(let number) = try Self.value(#"{"$double":"nan"}"#) else {
            Issue.record("NaN did not come back as a double")
            return
        }
        #expect(number.isNaN)
    }

    @Test func wholeDoublesComeBackAsInts() throws {
        #expect(try Self.value(Self.json(.double(3))) == .int(3))
    }

    @Test func randomValuesRoundTripUpToNumbers() async {
        await propertyCheck(count: 300, input: RandomValue.generator()) { value in
            let back = try Self.value(Self.json(value))
            #expect(Self.normalized(back) == Self.normalized(value))
        }
    }

    @Test(arguments: [
        #"{"$bytes":"abc"}"#,
        #"{"$bytes":"zz"}"#,
        #"{"$double":"huge"}"#,
        #"{"$set":[1]}"#,
    ])
    func malformedTaggedObjectsThrow(json: String) {
        #expect(throws: DecodingError.self) { try Self.value(json) }
    }

    @Test func objectReferencesUseTheirFieldsInJSON() throws {
        let reference = ObjectReference(id: 7, typeID: "Queue")
        let data = try Self.encoder.encode(reference)
        #expect(String(decoding: data, as: UTF8.self) == #"{"id":7,"type":"Queue"}"#)
        #expect(try JSONDecoder().decode(ObjectReference.self, from: data) == reference)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static func json(_ value: Value) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func value(_ json: String) throws -> Value {
        try JSONDecoder().decode(Value.self, from: Data(json.utf8))
    }

    /// What JSON keeps: numbers by value rather than by kind (a whole double may come back as
    /// an int, and an int and its double are the same number), and plain objects without order.
    private static func normalized(_ value: Value) -> Value {
        switch value {
        case .int(let number):
            return .double(Double(number))
        case .double(let number) where number == 0:
            // JSON has no negative zero.
            return .double(0)
        case .array(let items):
            return .array(items.map(normalized))
        case .map(let entries):
            var normal = entries.map { (normalized($0.key), normalized($0.value)) }
            if normal.allSatisfy({ if case .string = $0.0 { true } else { false } }) {
                normal.sort { "\($0.0)" < "\($1.0)" }
            }
            return .map(.init(normal, uniquingKeysWith: { $1 }))
        default:
            return value
        }
    }
}
