/// An item a ``WorkQueueProxy`` gave up on: it was handed out as many times as the queue's
/// `maxDeliveries` and its last lease ended without an ack.
public struct DeadLetter<Job: Codable & Sendable>: Sendable, Decodable {
    /// The item that was put.
    public let item: Job
    /// How many times it was handed out.
    public let deliveries: Int
    /// How its last lease ended: `expired`, `nacked` or `sessionEnded`.
    public let reason: String
}

extension DeadLetter: Equatable where Job: Equatable {}
