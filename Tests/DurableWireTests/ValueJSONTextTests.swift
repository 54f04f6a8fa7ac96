import DurableWire
import Foundation
import PropertyBased
import Testing

/// `Value.jsonText`, what `durablectl` prints, and the exact forms a backup needs.
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

    @Test func exactFormsNameEveryMapAndWholeDouble() {
        #expect((["a": 2.0] as Value).jsonText(exact: true) == #"{"$map":[["a",{"$double":"2.0"}]]}"#)
    }

    @Test func randomValuesComeBackExactlyFromExactText() async {
        await propertyCheck(count: 300, input: RandomValue.generator()) { value in
            let back = try JSONDecoder().decode(Value.self, from: Data(value.jsonText(exact: true).utf8))
            #expect(back == value)
        }
    }

    @Test func randomValuesComeBackExactlyFromAnEncoderAskedForExactValues() async {
        let encoder = JSONEncoder()
        encoder.userInfo[.exactValues] = true
        await propertyCheck(count: 300, input: RandomValue.generator()) { value in
            let back = try JSONDecoder().decode(Value.self, from: encoder.encode(value))
            #expect(back == value)
        }
    }
}
