/// A `[String: V]`, which ``ValueEncoder`` writes with string keys whatever the keys look like.
///
/// `Dictionary` encodes a string key through a coding key that also carries an integer when the
/// string parses as one, so `"5"` would reach the encoder just like the `5` of a `[Int: V]` and
/// land in the manager as an integer key, where a Python client's `d["5"]` would not find it.
protocol StringKeyedDictionary {
    func encodeWithStringKeys(to encoder: ValueNodeEncoder) throws
}

extension Dictionary: StringKeyedDictionary where Key == String, Value: Encodable {
    func encodeWithStringKeys(to encoder: ValueNodeEncoder) throws {
        var container = encoder.container(keyedBy: ValueCodingKey.self)
        for (key, value) in self {
            try container.encode(value, forKey: ValueCodingKey(stringValue: key))
        }
    }
}
