import DurableWire

/// The work of one run, split among worker processes as `mp_manager_bench.py` splits it.
///
/// Parent and workers both derive a worker's share from the plan, so the command line of a
/// worker only needs the plan's figures and its index.
struct BenchPlan: Sendable {
    /// Keys per client, cycled: `c<client>k<j>`.
    static let keysPerClient = 1000
    /// Calls each client makes before the clock starts.
    static let warmUpCalls = 200
    /// Items each producer puts (and consumers take) before the clock starts.
    static let queueWarmUpItems = 100
    /// The value every write sends: 100 bytes, as the Python benchmark's.
    static let value = String(repeating: "v", count: 100)
    /// The longest a worker keeps calling, whatever its count.
    static let maxSeconds = 30
    /// How long a consumer waits for an item before it decides the producers are done.
    static let consumerPatience: Duration = .seconds(3)

    /// For `--op call`: the type of the shared object, the method and its arguments.
    struct Call: Sendable {
        var typeID: String
        var method: String
        var arguments: [Value]
    }

    let operation: BenchOperation
    let clients: Int
    let total: Int
    let inflight: Int
    /// Set for `--op call` only.
    let call: Call?

    /// Queue producers: half the clients, at least one.
    var producers: Int { max(1, clients / 2) }
    /// Queue consumers: the other clients, at least one (one client runs as one of each).
    var consumers: Int { max(1, clients - producers) }

    /// Worker processes: one per client, or producers plus consumers for the queue.
    var workerCount: Int { operation == .queue ? producers + consumers : clients }

    /// Timed calls per client; items per producer for the queue.
    var perClient: Int { operation == .queue ? total / producers : total / clients }

    func assignment(forWorker index: Int) -> BenchAssignment {
        guard operation == .queue else {
            return BenchAssignment(role: .calls, warmUp: Self.warmUpCalls, count: perClient)
        }
        if index < producers {
            return BenchAssignment(role: .put, warmUp: Self.queueWarmUpItems, count: perClient)
        }
        // Consumers share what the producers put, so none waits for an item that never comes.
        let consumer = index - producers
        return BenchAssignment(
            role: .get,
            warmUp: Self.share(of: Self.queueWarmUpItems * producers, parts: consumers, index: consumer),
            count: Self.share(of: perClient * producers, parts: consumers, index: consumer)
        )
    }

    /// Part `index` of `total` split as evenly as possible into `parts`.
    static func share(of total: Int, parts: Int, index: Int) -> Int {
        total / parts + (index < total % parts ? 1 : 0)
    }

    /// The key a client writes or reads at its call `j`.
    static func key(client: Int, call j: Int) -> String {
        "c\(client)k\(j % keysPerClient)"
    }
}
