extension ObjectReference: Codable {
    private enum CodingKeys: String, CodingKey {
        case id
        case type
    }

    /// Reads a reference: a `.reference` from ``ValueDecoder``, `{"id": …, "type": …}` from
    /// other decoders such as `JSONDecoder`.
    ///
    /// ```swift
    /// let value = Value.reference(ObjectReference(id: 42, typeID: "dict"))
    /// let reference = try ValueDecoder().decode(ObjectReference.self, from: value)
    /// ```
    /// - Throws: `DecodingError` when the input is not a reference.
    public init(from decoder: any Decoder) throws {
        if let decoder = decoder as? ValueNodeDecoder {
            self = try decoder.decode(ObjectReference.self)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try container.decode(UInt64.self, forKey: .id), typeID: try container.decode(String.self, forKey: .type))
    }

    /// Writes a reference: a `.reference` to ``ValueEncoder``, `{"id": …, "type": …}` to other
    /// encoders such as `JSONEncoder`.
    ///
    /// ```swift
    /// let value = try ValueEncoder().encode(ObjectReference(id: 42, typeID: "dict"))   // <dict #42>
    /// ```
    public func encode(to encoder: any Encoder) throws {
        if let encoder = encoder as? ValueNodeEncoder {
            try encoder.encodeHere(self)
            return
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(typeID, forKey: .type)
    }
}
