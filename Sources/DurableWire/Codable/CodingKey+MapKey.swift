extension CodingKey {
    /// The map key this coding key stands for.
    ///
    /// A key whose string is its integer written out is an integer key: that is how
    /// `Dictionary<Int, _>` hands its keys to an encoder, and a Python client expects `d[5]`,
    /// not `d["5"]`. Every other key is its string.
    var mapKey: Value {
        if let number = intValue, stringValue == String(number) { return .int(Int64(number)) }
        return .string(stringValue)
    }
}
