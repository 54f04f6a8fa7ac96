public import DurableWire

/// A proxy to a shared `WorkQueue`: jobs handed out under leases, delivered at least once.
///
/// ``take(timeout:lease:)`` leases the item at the head of the queue to this client's session;
/// ``ack(_:)`` says its work is done. When the lease ends first (it expires, the job is nacked,
/// or the session ends because the client died and did not come back within the manager's
/// grace period), the item goes back to the head of the queue for another worker, one delivery
/// more; after the queue's `maxDeliveries` it goes to the dead letters instead. Everything is
/// journaled: after a crash of the manager each item is queued, still leased to its session
/// (which may still ack it; its lease starts again), acked, or dead.
///
/// ```swift
/// import Proxies
///
/// struct Job: Codable, Sendable { var id: Int; var input: String }
///
/// let manager = try await SyncManager.connect()
/// let jobs = try await manager.workQueue("jobs", of: Job.self, lease: .seconds(60))
/// try await jobs.put(Job(id: 1, input: "a.csv"))
/// // Acked when the body returns, nacked (back to the queue) when it throws:
/// try await jobs.process { job in
///     print("working on \(job.input)")
/// }
/// ```
///
/// A job may run more than once (its worker died after the work, before the ack; its lease
/// ended while it ran), so make its work safe to repeat.
public struct WorkQueueProxy<Job: Codable & Sendable>: SharedObjectProxy {
    public static var typeID: String { "WorkQueue" }
    public let handle: ProxyHandle
    public init(handle: ProxyHandle) { self.handle = handle }

    /// Puts `job` at the back of the queue.
    /// - Throws: ``ManagerError`` `.memoryError` when the queue would outgrow the manager's
    ///   `--max-value-size`.
    public func put(_ job: Job) async throws(ManagerError) {
        try await handle.call("put", job)
    }

    /// Takes the job at the head of the queue under a lease, waiting for one up to `timeout`
    /// (`nil`: as long as it takes).
    /// - Parameter lease: How long the job is this session's before it goes back to the queue;
    ///   `nil` for the queue's own lease.
    /// - Throws: ``ManagerError`` `.empty` when no job came in time.
    public func take(timeout: Duration? = nil, lease: Duration? = nil) async throws(ManagerError) -> Delivery<Job> {
        try handle.decode(Delivery<Job>.self, from: try await handle.callMethod("take", [.bool(true), timeout.timeoutValue, lease.timeoutValue]))
    }

    /// Takes the job at the head of the queue under a lease if there is one, without waiting.
    /// - Returns: The delivery, or nil when the queue is empty.
    public func tryTake(lease: Duration? = nil) async throws(ManagerError) -> Delivery<Job>? {
        do {
            return try handle.decode(Delivery<Job>.self, from: try await handle.callMethod("take", [.bool(false), .null, lease.timeoutValue]))
        } catch where error.code == .empty {
            return nil
        }
    }

    /// Says the job delivered under `tag` is done: the queue forgets it.
    /// - Throws: ``ManagerError`` `.keyError` when that lease already ended (the job went back
    ///   to the queue, or was acked), `.notOwner` when another session holds it.
    public func ack(_ tag: Int) async throws(ManagerError) {
        try await handle.call("ack", tag)
    }

    /// Gives the job delivered under `tag` back: it goes to the head of the queue, after
    /// `delay`, or to the dead letters if it was delivered as many times as the queue allows.
    /// - Throws: ``ManagerError`` `.keyError` when that lease already ended, `.notOwner` when
    ///   another session holds it.
    public func nack(_ tag: Int, delay: Duration = .zero) async throws(ManagerError) {
        _ = try await handle.callMethod("nack", [.int(Int64(tag)), Optional(delay).timeoutValue])
    }

    /// Makes the lease of `tag` end `lease` from now (not from its old end), for a job that
    /// takes longer than its lease: call it now and then as the work goes on.
    /// - Throws: ``ManagerError`` `.keyError` when that lease already ended, `.notOwner` when
    ///   another session holds it.
    public func extend(_ tag: Int, for lease: Duration) async throws(ManagerError) {
        _ = try await handle.callMethod("extend", [.int(Int64(tag)), Optional(lease).timeoutValue])
    }

    /// The number of jobs ready to take (not those leased, delayed or dead).
    public func qsize() async throws(ManagerError) -> Int {
        try await handle.call("qsize", returning: Int.self)
    }

    /// Every lease held now, oldest first: its tag, holder and time left.
    public func leased() async throws(ManagerError) -> [Lease] {
        try await handle.call("leased", returning: [Lease].self)
    }

    /// The dead letters, oldest first.
    public func dead() async throws(ManagerError) -> [DeadLetter<Job>] {
        try await handle.call("dead", returning: [DeadLetter<Job>].self)
    }

    /// Puts every dead letter back at the back of the queue, as a new job (its deliveries start
    /// again from 0).
    /// - Returns: How many went back.
    @discardableResult
    public func requeueDead() async throws(ManagerError) -> Int {
        try await handle.call("requeue_dead", returning: Int.self)
    }

    /// Takes a job, runs `body` on it, and acks it when `body` returns or nacks it (back to the
    /// head of the queue) when `body` throws.
    ///
    /// An ack lost with a dropped connection is sent again once the client has reconnected; if
    /// that one finds the lease gone, the first is taken to have gone through.
    /// - Parameters:
    ///   - lease: The job's lease; `nil` for the queue's. Longer than `body` takes, or extend it.
    ///   - timeout: How long to wait for a job; `nil` as long as it takes.
    /// - Returns: What `body` returned.
    /// - Throws: ``ManagerError`` `.empty` when no job came in time (`body` did not run); what
    ///   `body` threw (the job was nacked); or the ack's ``ManagerError`` after `body` returned,
    ///   when the lease had ended meanwhile (the job will be delivered again).
    public func process<Result: Sendable>(
        lease: Duration? = nil, timeout: Duration? = nil, _ body: (Job) async throws -> Result
    ) async throws -> Result {
        let delivery = try await take(timeout: timeout, lease: lease)
        let result: Result
        do {
            result = try await body(delivery.item)
        } catch {
            // The body's error is the news; a nack that fails leaves the lease to expire.
            try? await nack(delivery.tag)
            throw error
        }
        do {
            try await ack(delivery.tag)
        } catch where error.code == .connectionLost {
            do {
                try await ack(delivery.tag)
            } catch where error.code == .keyError {
                // The first ack went through before the connection dropped.
            }
        }
        return result
    }
}
