import DurableWire
import Foundation
import PropertyBased
import Testing

/// `Value.jsonText`, what `durablectl` prints and exports.
struct ValueJSONTextTests {
    @Test(arguments: [
        (["b": 1, "a": [true]] as Value, #"{"b":1,"a":[true]}"#),
        (2.0, "2.0"),
        (2.5, "2.5"),
        ("tab\there \"q\" \u{1}", #""tab\there \"q\" \u0001""#),
        ([1: "one"], #"{"$map":[[1,"one"]]}"#),
        (.bytes([0, 0xff]), #"{"$bytes":"00ff"}"#),
        (.reference(ObjectReference(id: 42, typeID: "dict")), #"{"$ref":42,"type":"dict"}"#),
        (.double(-.infinity), #"{"$double":"-inf"}"#),
    ] as [(Value, String)])
    func printsMapsInOrderAndWholeDoublesAsDoubles(value: Value, text: String) {
        #expect(value.jsonText() == text)
    }
}

/// `Value(json:)`, which reads what `jsonText` writes and what a person types.
struct ValueJSONParsingTests {
    @Test func randomValuesComeBackExactlyFromTheirText() async {
        await propertyCheck(count: 300, input: RandomValue.generator()) { value in
            let back = try Value(json: value.jsonText())
            #expect(back == value)
        }
    }

    @Test func objectsKeepTheirOrderAndNumbersTheirKind() throws {
        let value = try Value(json: #" {"b": 1, "a": [2.0, -3, 1e3, 12345678901234567890], "c": {"$bytes": "0aff"}} "#)
        #expect(value == ["b": 1, "a": [2.0, -3, 1000.0, 12345678901234567890.0], "c": .bytes([0x0a, 0xff])])
        #expect(value.jsonText() == #"{"b":1,"a":[2.0,-3,1000.0,1.2345678901234567e+19],"c":{"$bytes":"0aff"}}"#)
        #expect(try Value(json: #""tab\t \u00e9 \ud83d\ude00 \/""#) == "tab\t é 😀 /")
        #expect(try Value(json: #"{"$ref": 7, "type": "dict"}"#) == .reference(ObjectReference(id: 7, typeID: "dict")))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "tru", "\"open", "1 2", "{1: 2}", "\"\\x\"", "\"\u{1}\"",
        #"{"$bytes": "abc"}"#, #"{"$map": [[1]]}"#, #"{"$double": "huge"}"#, #"{"$set": [1]}"#, "\"\\ud800\"",
        String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
    ])
    func malformedTextIsRefusedSayingWhere(text: String) {
        #expect(throws: JSONFormError.self) { try Value(json: text) }
    }
}
