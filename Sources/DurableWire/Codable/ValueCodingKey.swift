/// A coding key made at run time: the keys of maps read back, array indices in coding paths,
/// `super`, and the tags of ``Value``'s JSON form.
struct ValueCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }

    /// The key of an array item in a coding path. Its string is not its number, so it is never
    /// mistaken for an integer map key.
    init(index: Int) {
        self.stringValue = "Index \(index)"
        self.intValue = index
    }

    /// The key that `superEncoder()` and `superDecoder()` use, as Foundation's coders do.
    static let `super` = ValueCodingKey(stringValue: "super")
}
