/// One delivery of a ``WorkQueueProxy``'s item: the item, leased to this client's session under
/// `tag` until it is acked, nacked, or its lease ends.
///
/// ```swift
/// import Proxies
///
/// struct Job: Codable, Sendable { var id: Int }
///
/// let manager = try await SyncManager.connect()
/// let jobs = try await manager.workQueue("jobs", of: Job.self)
/// let delivery = try await jobs.take()
/// if delivery.deliveries > 1 { print("job \(delivery.item.id) is being retried") }
/// try await jobs.ack(delivery.tag)
/// ```
public struct Delivery<Job: Codable & Sendable>: Sendable, Decodable {
    /// Names this delivery in ``WorkQueueProxy/ack(_:)``, ``WorkQueueProxy/nack(_:delay:)`` and
    /// ``WorkQueueProxy/extend(_:for:)``. Each delivery has a new one, so a tag from an earlier
    /// delivery of the same item acks nothing.
    public let tag: Int
    /// The item that was put.
    public let item: Job
    /// How many times the item was handed out, this time included: 1 the first time.
    public let deliveries: Int
}

extension Delivery: Equatable where Job: Equatable {}
