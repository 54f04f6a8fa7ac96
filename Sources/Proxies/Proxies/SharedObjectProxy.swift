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

    /// Writes the reference, which is what a manager stores for a proxy.
    public func encode(to encoder: any Encoder) throws {
        try handle.encodeReference(to: encoder)
    }

    /// Reads a reference from a manager's reply as a proxy of this type.
    /// - Throws: `DecodingError` when the reference is to another type, or does not come from a
    ///   manager's reply.
    public init(from decoder: any Decoder) throws {
        self.init(handle: try ProxyHandle(from: decoder, typeID: Self.typeID))
    }
}
