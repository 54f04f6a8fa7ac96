/// A lease a ``WorkQueueProxy`` holds out, as ``WorkQueueProxy/leased()`` lists it.
public struct Lease: Sendable, Hashable, Decodable {
    /// The delivery's tag.
    public let tag: Int
    /// The session holding it: only that session may ack, nack or extend it.
    public let session: String
    /// How many times its item was handed out, this time included.
    public let deliveries: Int
    /// The lease it was taken or last extended for.
    public let duration: Duration
    /// The time left before it ends and the item goes back to the queue (or to the dead letters).
    public let expiresIn: Duration

    private enum CodingKeys: String, CodingKey {
        case tag, session, deliveries, lease, expiresIn
    }

    /// Reads a lease as the manager's `leased()` lists it: `lease` and `expiresIn` in seconds.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tag = try container.decode(Int.self, forKey: .tag)
        session = try container.decode(String.self, forKey: .session)
        deliveries = try container.decode(Int.self, forKey: .deliveries)
        duration = .seconds(try container.decode(Double.self, forKey: .lease))
        expiresIn = .seconds(try container.decodeIfPresent(Double.self, forKey: .expiresIn) ?? 0)
    }
}
