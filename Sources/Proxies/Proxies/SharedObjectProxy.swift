public import DurableWire

/// A typed client-side stand-in for one shared object.
///
/// Every proxy is `Codable`: put one into a dict or a list and the manager stores a reference;
/// read it back and it is a working proxy again (Python 3.6+'s nested proxies).
///
/// ```swift
/// let jobs: ListProxy<String> = try await manager.list()
/// let index: DictProxy<String, ListProxy<String>> = try await manager.dict("index")
/// try await index.set("pending", jobs)
/// let same = try await index["pending"]   // a ListProxy on the same list
/// ```
public protocol SharedObjectProxy: Sendable, Codable {
    /// The registered type id this proxy speaks to (`dict`, `Queue`, a custom type's id).
    static var typeID: String { get }
    /// The handle that carries the reference and the connection.
    var handle: ProxyHandle { get }
    /// Wraps a handle; ``SyncManager`` and decoding call this.
    init(handle: ProxyHandle)
}

extension SharedObjectProxy {
    /// The object's reference in the manager.
    public var reference: ObjectReference { handle.reference }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(handle.reference)
    }

    public init(from decoder: any Decoder) throws {
        let reference = try decoder.singleValueContainer().decode(ObjectReference.self)
        guard let connection = decoder.userInfo[ManagerConnection.userInfoKey] as? ManagerConnection else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "a proxy can only be decoded from a manager's reply, which carries the connection"
            ))
        }
        guard reference.typeID == Self.typeID else {
            throw DecodingError.typeMismatch(Self.self, .init(
                codingPath: decoder.codingPath,
                debugDescription: "the reference is to a \(reference.typeID), not a \(Self.typeID)"
            ))
        }
        self.init(handle: ProxyHandle(reference: reference, connection: connection))
    }
}
