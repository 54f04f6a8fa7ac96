import DurableWire
import OrderedCollections
import PropertyBased
import Testing

struct CodableBridgeTests {
    struct Address: Codable, Equatable {
        var street: String
        var zip: Int32?
    }

    struct Person: Codable, Equatable {
        var name: String
        var age: UInt8
        var height: Double
        var ratio: Float
        var address: Address
        var nickname: String?
        var tags: [String]
        var scores: [String: Int]
        var byID: [Int: String]
        var raw: Value
        var queue: ObjectReference
        var spare: ObjectReference?
    }

    indirect enum Shape: Codable, Equatable {
        case point
        case circle(radius: Double)
        case rect(Double, Double)
        case labeled(String, inner: Shape?)
    }

    static let ada = Person(
        name: "Ada",
        age: 36,
        height: 1.65,
        ratio: 0.5,
        address: Address(street: "St James's Square", zip: nil),
        nickname: nil,
        tags: ["math", "engines"],
        scores: ["5": 1, "analysis": 2],
        byID: [1: "one", -2: "minus two"],
        raw: ["anything": [1, "two", nil], 3: .bytes([0xff])],
        queue: ObjectReference(id: 42, typeID: "Queue"),
        spare: nil
    )

    @Test func nestedStructRoundTrips() throws {
        let value = try ValueEncoder().encode(Self.ada)
        #expect(try ValueDecoder().decode(Person.self, from: value) == Self.ada)
    }

    @Test func structsBecomeMapsInFieldOrder() throws {
        guard case .map(let fields) = try ValueEncoder().encode(Self.ada) else {
            Issue.record("a struct did not encode as a map")
            return
        }
        #expect(fields.keys.elements == [
            "name", "age", "height", "ratio", "address", "nickname", "tags", "scores", "byID", "raw", "queue", "spare",
        ])
        #expect(fields["age"] == .int(36))
        #expect(fields["ratio"] == .double(0.5))
        #expect(fields["address"] == ["street": "St James's Square", "zip": nil])
        #expect(fields["nickname"] == .null, "a nil optional is kept as null")
        #expect(fields["tags"] == ["math", "engines"])
        #expect(fields["raw"] == Self.ada.raw, "a Value field is stored as it is")
        #expect(fields["queue"] == .reference(ObjectReference(id: 42, typeID: "Queue")))
        #expect(fields["spare"] == .null)
    }

    @Test func dictionaryKeysKeepTheirKind() throws {
        let byID = try ValueEncoder().encode([7: "seven"])
        #expect(byID == .map([.int(7): "seven"]))

        guard case .map(let scores) = try ValueEncoder().encode(["5": 1, "x": 2]) else {
            Issue.record("a dictionary did not encode as a map")
            return
        }
        #expect(scores[.string("5")] == .int(1), "a string key that looks like a number stays a string")
        #expect(scores[.int(5)] == nil)
        #expect(try ValueDecoder().decode([String: Int].self, from: .map(scores)) == ["5": 1, "x": 2])
    }

    @Test func integerKeysAreReadInEitherSpelling() throws {
        #expect(try ValueDecoder().decode([Int: String].self, from: [1: "a", 2: "b"]) == [1: "a", 2: "b"])
        #expect(try ValueDecoder().decode([Int: String].self, from: ["1": "a"]) == [1: "a"])
        #expect(try ValueDecoder().decode([String: String].self, from: [1: "a"]) == ["1": "a"])
    }

    @Test(arguments: [
        Shape.point,
        .circle(radius: 2),
        .rect(3, 4.5),
        .labeled("box", inner: .rect(1, 1)),
        .labeled("none", inner: nil),
    ])
    func enumsWithAssociatedValuesRoundTrip(shape: Shape) throws {
        let value = try ValueEncoder().encode(shape)
        #expect(try ValueDecoder().decode(Shape.self, from: value) == shape)
    }

    @Test func enumCasesAreKeyedByName() throws {
        #expect(try ValueEncoder().encode(Shape.circle(radius: 2)) == ["circle": ["radius": 2.0]])
        #expect(try ValueEncoder().encode(Shape.rect(3, 4)) == ["rect": ["_0": 3.0, "_1": 4.0]])
        #expect(try ValueEncoder().encode(Shape.point) == ["point": [:]])
    }

    @Test func scalarsMapToTheirKinds() throws {
        let encoder = ValueEncoder()
        #expect(try encoder.encode(true) == .bool(true))
        #expect(try encoder.encode("hi") == .string("hi"))
        #expect(try encoder.encode(Int8(-5)) == .int(-5))
        #expect(try encoder.encode(UInt64(Int64.max)) == .int(.max))
        #expect(try encoder.encode(Float(1.5)) == .double(1.5))
        #expect(try encoder.encode(Int?.none) == .null)
        #expect(try encoder.encode([1, nil, 3] as [Int?]) == [1, nil, 3])
        #expect(try encoder.encode(Int128(-7)) == .int(-7))
    }

    @Test func valuesAndReferencesAreThemselvesAtEveryLevel() throws {
        let reference = ObjectReference(id: 9, typeID: "dict")
        let raw: Value = [.bytes([1, 2]): ["nested": .reference(reference)]]
        let encoder = ValueEncoder()
        let decoder = ValueDecoder()

        #expect(try encoder.encode(raw) == raw)
        #expect(try encoder.encode(reference) == .reference(reference))
        #expect(try encoder.encode([raw, .null]) == [raw, .null])
        #expect(try encoder.encode(["r": reference]) == ["r": .reference(reference)])
        #expect(try encoder.encode(Optional(raw)) == raw)

        #expect(try decoder.decode(Value.self, from: raw) == raw)
        #expect(try decoder.decode(ObjectReference.self, from: .reference(reference)) == reference)
        #expect(try decoder.decode([Value].self, from: [raw, 1]) == [raw, 1])
        #expect(try decoder.decode([String: ObjectReference].self, from: ["r": .reference(reference)]) == ["r": reference])
        #expect(try decoder.decode(Value?.self, from: raw) == raw)
    }

    @Test func conformancesThatCallValueCodableDirectlyKeepTheValue() throws {
        let wrapped = Wrapped(raw: [.bytes([1]): .double(.infinity)], reference: ObjectReference(id: 3, typeID: "list"))
        let value = try ValueEncoder().encode(wrapped)
        #expect(value == [[.bytes([1]): .double(.infinity)], .reference(ObjectReference(id: 3, typeID: "list"))])
        let back = try ValueDecoder().decode(Wrapped.self, from: value)
        #expect(back.raw == wrapped.raw)
        #expect(back.reference == wrapped.reference)
    }

    @Test func typesWithNoFieldsAreEmptyMaps() throws {
        struct Empty: Codable, Equatable {}
        #expect(try ValueEncoder().encode(Empty()) == [:])
        #expect(try ValueDecoder().decode(Empty.self, from: [:]) == Empty())
        #expect(try ValueEncoder().encode([Empty()]) == [[:]])
    }

    @Test func randomValuesPassThroughUnchanged() async {
        await propertyCheck(count: 300, input: RandomValue.generator()) { value in
            let encoded = try ValueEncoder().encode(value)
            #expect(encoded == value)
            let decoded = try ValueDecoder().decode([String: Value].self, from: ["v": value])
            #expect(decoded["v"] == value)
        }
    }

    @Test func everyIntegerTypeRoundTripsItsExtremes() throws {
        try expectExtremesRoundTrip(Int.self)
        try expectExtremesRoundTrip(Int8.self)
        try expectExtremesRoundTrip(Int16.self)
        try expectExtremesRoundTrip(Int32.self)
        try expectExtremesRoundTrip(Int64.self)
        try expectExtremesRoundTrip(UInt8.self)
        try expectExtremesRoundTrip(UInt16.self)
        try expectExtremesRoundTrip(UInt32.self)
        #expect(try ValueDecoder().decode(UInt64.self, from: .int(.max)) == UInt64(Int64.max))
        #expect(try ValueDecoder().decode(UInt.self, from: .int(.max)) == UInt(Int64.max))
    }

    private func expectExtremesRoundTrip<I: FixedWidthInteger & Codable>(_ type: I.Type) throws {
        for number in [I.min, I.max, 0] {
            let value = try ValueEncoder().encode(number)
            #expect(value == .int(Int64(number)))
            #expect(try ValueDecoder().decode(I.self, from: value) == number)
        }
    }

    @Test func doublesAcceptInts() throws {
        #expect(try ValueDecoder().decode(Double.self, from: .int(3)) == 3)
        #expect(try ValueDecoder().decode(Float.self, from: .int(-2)) == -2)
        #expect(try ValueDecoder().decode([Double].self, from: [1, 2.5]) == [1, 2.5])
        #expect(try ValueDecoder().decode(Float.self, from: .double(.infinity)) == .infinity)
    }

    @Test func integersOverInt64MaxDoNotEncode() {
        let error = #expect(throws: EncodingError.self) { try ValueEncoder().encode(["big": UInt64.max]) }
        guard case .invalidValue(_, let context) = error else { return }
        #expect(context.codingPath.map(\.stringValue) == ["big"])
        #expect(context.debugDescription.contains("18446744073709551615"))
        #expect(throws: EncodingError.self) { try ValueEncoder().encode([UInt(UInt64.max)]) }
        #expect(throws: EncodingError.self) { try ValueEncoder().encode(Int128(Int64.min) - 1) }
    }

    @Test func integersOutOfRangeDoNotDecode() {
        var fields = Self.adaFields()
        fields["age"] = 300
        let error = #expect(throws: DecodingError.self) { try ValueDecoder().decode(Person.self, from: .map(fields)) }
        guard case .dataCorrupted(let context) = error else {
            Issue.record("expected dataCorrupted, got \(String(describing: error))")
            return
        }
        #expect(context.codingPath.map(\.stringValue) == ["age"])
        #expect(context.debugDescription.contains("300"))
        #expect(context.debugDescription.contains("UInt8"))

        #expect(throws: DecodingError.self) { try ValueDecoder().decode(Int8.self, from: .int(-129)) }
        #expect(throws: DecodingError.self) { try ValueDecoder().decode([UInt32].self, from: [-1]) }
        #expect(throws: DecodingError.self) { try ValueDecoder().decode(Float.self, from: .double(1e300)) }
    }

    @Test func wrongKindNamesBothKindsAndThePath() {
        var fields = Self.adaFields()
        fields["address"] = ["street": "x", "zip": "SW1"]
        let error = #expect(throws: DecodingError.self) { try ValueDecoder().decode(Person.self, from: .map(fields)) }
        guard case .typeMismatch(_, let context) = error else {
            Issue.record("expected typeMismatch, got \(String(describing: error))")
            return
        }
        #expect(context.codingPath.map(\.stringValue) == ["address", "zip"])
        #expect(context.debugDescription == "expected int, found string")
    }

    @Test func wrongKindInsideAnArrayNamesTheIndex() {
        let error = #expect(throws: DecodingError.self) { try ValueDecoder().decode([String].self, from: ["a", 1]) }
        guard case .typeMismatch(_, let context) = error else {
            Issue.record("expected typeMismatch, got \(String(describing: error))")
            return
        }
        #expect(context.codingPath.map(\.intValue) == [1])
        #expect(context.debugDescription == "expected string, found int")
    }

    @Test func wrongContainerKindNamesBothKinds() {
        let error = #expect(throws: DecodingError.self) { try ValueDecoder().decode([Int].self, from: "nope") }
        guard case .typeMismatch(_, let context) = error else { return }
        #expect(context.debugDescription == "expected array, found string")

        let reference = #expect(throws: DecodingError.self) { try ValueDecoder().decode(ObjectReference.self, from: ["id": 1, "type": "dict"]) }
        guard case .typeMismatch(_, let referenceContext) = reference else { return }
        #expect(referenceContext.debugDescription == "expected reference, found map")
    }

    @Test func nullForARequiredValueIsValueNotFound() {
        var fields = Self.adaFields()
        fields["name"] = .null
        let error = #expect(throws: DecodingError.self) { try ValueDecoder().decode(Person.self, from: .map(fields)) }
        guard case .valueNotFound(_, let context) = error else {
            Issue.record("expected valueNotFound, got \(String(describing: error))")
            return
        }
        #expect(context.codingPath.map(\.stringValue) == ["name"])
        #expect(context.debugDescription == "expected string, found null")
    }

    @Test func missingKeyIsKeyNotFound() {
        var fields = Self.adaFields()
        fields.removeValue(forKey: "tags")
        let error = #expect(throws: DecodingError.self) { try ValueDecoder().decode(Person.self, from: .map(fields)) }
        guard case .keyNotFound(let key, let context) = error else {
            Issue.record("expected keyNotFound, got \(String(describing: error))")
            return
        }
        #expect(key.stringValue == "tags")
        #expect(context.debugDescription.contains("\"tags\""))
    }

    @Test func missingOrNullOptionalsDecodeAsNil() throws {
        #expect(try ValueDecoder().decode(Address.self, from: ["street": "x"]) == Address(street: "x", zip: nil))
        #expect(try ValueDecoder().decode(Address.self, from: ["street": "x", "zip": nil]) == Address(street: "x", zip: nil))
        #expect(try ValueDecoder().decode(Address.self, from: ["street": "x", "zip": 5, "extra": true]) == Address(street: "x", zip: 5))
    }

    @Test func subclassesEncodeThroughSuperEncoders() throws {
        let dog = Dog(name: "Rex", breed: "collie")
        let value = try ValueEncoder().encode(dog)
        #expect(value == ["breed": "collie", "super": ["name": "Rex"]])
        let back = try ValueDecoder().decode(Dog.self, from: value)
        #expect(back.name == "Rex")
        #expect(back.breed == "collie")

        let cat = Cat(name: "Tom", lives: 9)
        let flat = try ValueEncoder().encode(cat)
        #expect(flat == ["lives": 9, "name": "Tom"], "a subclass sharing its encoder writes one map")
        let backCat = try ValueDecoder().decode(Cat.self, from: flat)
        #expect(backCat.name == "Tom")
        #expect(backCat.lives == 9)
    }

    @Test func userInfoReachesConformances() throws {
        var encoder = ValueEncoder()
        encoder.userInfo[Tagged.key] = "from encoder"
        #expect(try encoder.encode([Tagged()]) == ["from encoder"])

        var decoder = ValueDecoder()
        decoder.userInfo[Tagged.key] = "from decoder"
        let tagged = try decoder.decode([String: Tagged].self, from: ["a": "ignored"])
        #expect(tagged["a"]?.seen == "from decoder")
    }

    @Test func unkeyedContainersReportTheirEnd() {
        let error = #expect(throws: DecodingError.self) { try ValueDecoder().decode(Pair.self, from: [1]) }
        guard case .valueNotFound(_, let context) = error else {
            Issue.record("expected valueNotFound, got \(String(describing: error))")
            return
        }
        #expect(context.codingPath.map(\.intValue) == [1])
    }

    private static func adaFields() -> OrderedDictionary<Value, Value> {
        guard case .map(let fields) = try? ValueEncoder().encode(ada) else { return [:] }
        return fields
    }
}

/// Encodes through `superEncoder()`, so its superclass's fields sit under `super`.
private class Animal: Codable {
    var name: String

    init(name: String) { self.name = name }
}

private final class Dog: Animal {
    var breed: String

    private enum CodingKeys: String, CodingKey { case breed }

    init(name: String, breed: String) {
        self.breed = breed
        super.init(name: name)
    }

    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        breed = try container.decode(String.self, forKey: .breed)
        try super.init(from: container.superDecoder())
    }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(breed, forKey: .breed)
        try super.encode(to: container.superEncoder())
    }
}

/// Shares its encoder with its superclass, so both write into one map.
private final class Cat: Animal {
    var lives: Int

    private enum CodingKeys: String, CodingKey { case lives }

    init(name: String, lives: Int) {
        self.lives = lives
        super.init(name: name)
    }

    required init(from decoder: any Decoder) throws {
        lives = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .lives)
        try super.init(from: decoder)
    }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(lives, forKey: .lives)
        try super.encode(to: encoder)
    }
}

/// Writes and remembers what `userInfo` holds under its key.
private struct Tagged: Codable {
    static let key = CodingUserInfoKey(rawValue: "tag")!
    var seen: String?

    init() {}

    init(from decoder: any Decoder) throws {
        seen = decoder.userInfo[Self.key] as? String
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(encoder.userInfo[Self.key] as? String ?? "none")
    }
}

/// Hands its encoder and decoder straight to `Value` and `ObjectReference`, as a hand-written
/// conformance may.
private struct Wrapped: Codable {
    var raw: Value
    var reference: ObjectReference

    init(raw: Value, reference: ObjectReference) {
        self.raw = raw
        self.reference = reference
    }

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        raw = try Value(from: container.superDecoder())
        reference = try ObjectReference(from: container.superDecoder())
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try raw.encode(to: container.superEncoder())
        try reference.encode(to: container.superEncoder())
    }
}

/// Reads two items from an unkeyed container.
private struct Pair: Decodable {
    var first: Int
    var second: Int

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        first = try container.decode(Int.self)
        second = try container.decode(Int.self)
    }
}
