import DurableWire
import Foundation
import Proxies

/// What the crash clients (`crash-worker`, `crash-consumer` in Tests/TestClient) said they did:
/// every acknowledged mutation, and every call whose connection was lost (it may or may not
/// have been applied). Items are "wW-i": worker W's i-th round.
struct CrashLedger {
    /// Acknowledged `crash-dict` sets, key → value, and the lost ones.
    var dictSets: [String: Int] = [:]
    var lostDictSets: Set<String> = []
    /// Acknowledged `crash-list` appends, and the lost ones.
    var appends: Set<String> = []
    var lostAppends: Set<String> = []
    /// Acknowledged `crash-queue` puts, and the lost ones.
    var puts: Set<String> = []
    var lostPuts: Set<String> = []
    /// Items the consumer acknowledged as taken, in the order it got them.
    var gets: [String] = []
    /// Gets whose connection was lost: each may have taken an item it never delivered.
    var lostGets = 0
    /// Per worker ("wW"): the last acknowledged `crash-ns` value, and the last tried.
    var namespaceAcknowledged: [String: Int] = [:]
    var namespaceTried: [String: Int] = [:]
    /// Lines that say a client failed ("error ...", "gave up ...").
    var clientErrors: [String] = []

    /// Calls acknowledged, and calls lost with a connection, of every kind.
    private(set) var acknowledged = 0
    private(set) var lost = 0

    mutating func record(_ line: String, from client: String) {
        let words = line.split(separator: " ").map(String.init)
        guard words.count >= 2 else { return }
        if words[0] == "ack" { acknowledged += 1 }
        if words[0] == "lost", words[1] != "wait" { lost += 1 }
        switch (words[0], words[1], words.count > 2 ? words[2] : nil) {
        case ("ack", "dict", let item?): dictSets[item] = Self.parse(item)?.index
        case ("ack", "list", let item?): appends.insert(item)
        case ("ack", "put", let item?): puts.insert(item)
        case ("ack", "get", let item?): gets.append(item)
        case ("ack", "ns", let item?):
            if let (worker, index) = Self.parse(item) {
                namespaceAcknowledged[worker] = index
                namespaceTried[worker] = max(namespaceTried[worker] ?? index, index)
            }
        case ("lost", "dict", let item?): lostDictSets.insert(item)
        case ("lost", "list", let item?): lostAppends.insert(item)
        case ("lost", "put", let item?): lostPuts.insert(item)
        case ("lost", "get", _): lostGets += 1
        case ("lost", "ns", let item?):
            if let (worker, index) = Self.parse(item) { namespaceTried[worker] = max(namespaceTried[worker] ?? index, index) }
        case ("error", _, _), ("gave", _, _): clientErrors.append("\(client): \(line)")
        default: break
        }
    }

    /// "w2-17" → ("w2", 17).
    static func parse(_ item: String) -> (worker: String, index: Int)? {
        guard let dash = item.lastIndex(of: "-"), let index = Int(item[item.index(after: dash)...]) else { return nil }
        return (String(item[..<dash]), index)
    }

    /// Every way `state` contradicts what the clients were told; empty when it is consistent.
    ///
    /// Exact, because the clients are paused (waiting for `crash-go`) or dead while the state is
    /// read: every acknowledged call is there, nothing is there that no client sent, nothing is
    /// there twice, and a lost call is allowed either way.
    func violations(in state: CrashState) -> [String] {
        var problems: [String] = []

        // crash-dict: every acknowledged set is there with its value; nothing else is.
        let dict = Dictionary(state.dict, uniquingKeysWith: { first, _ in first })
        for (key, value) in dictSets.sorted(by: { $0.key < $1.key }) where dict[key] != value {
            problems.append("crash-dict: the acknowledged set \(key)=\(value) is \(dict[key].map { "there as \($0)" } ?? "missing")")
        }
        for (key, value) in state.dict where dictSets[key] == nil {
            if !lostDictSets.contains(key) {
                problems.append("crash-dict: \(key)=\(value) is there, but no client sent that set")
            } else if Self.parse(key)?.index != value {
                problems.append("crash-dict: \(key) holds \(value), not the value sent")
            }
        }

        // crash-list: every acknowledged append exactly once; nothing twice; each worker's in order.
        var seen: [String: Int] = [:]
        for item in state.list { seen[item, default: 0] += 1 }
        for (item, count) in seen.sorted(by: { $0.key < $1.key }) where count > 1 {
            problems.append("crash-list: \(item) appears \(count) times")
        }
        for item in appends.sorted() where seen[item] == nil {
            problems.append("crash-list: the acknowledged append \(item) is missing")
        }
        for item in seen.keys.sorted() where !appends.contains(item) && !lostAppends.contains(item) {
            problems.append("crash-list: \(item) is there, but no client appended it")
        }
        problems += Self.orderProblems(state.list, what: "crash-list")

        // crash-ns: each worker's attribute is at least its last acknowledged value and at most
        // the last it tried.
        let namespace = Dictionary(state.namespace.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        for (worker, acknowledged) in namespaceAcknowledged.sorted(by: { $0.key < $1.key }) {
            guard case .int(let value) = namespace[worker] else {
                problems.append("crash-ns: \(worker) is \(namespace[worker].map { "\($0)" } ?? "missing"); \(acknowledged) was acknowledged")
                continue
            }
            if value < acknowledged || value > namespaceTried[worker] ?? acknowledged {
                problems.append("crash-ns: \(worker)=\(value), but \(acknowledged) was acknowledged and \(namespaceTried[worker] ?? acknowledged) was the last tried")
            }
        }

        // crash-queue: no item was acknowledged as taken twice or was never put; each worker's
        // items came out in the order they went in; the size is what the acknowledgements allow.
        var taken: [String: Int] = [:]
        for item in gets { taken[item, default: 0] += 1 }
        for (item, count) in taken.sorted(by: { $0.key < $1.key }) where count > 1 {
            problems.append("crash-queue: \(item) was handed out \(count) times")
        }
        for item in taken.keys.sorted() where !puts.contains(item) && !lostPuts.contains(item) {
            problems.append("crash-queue: \(item) was handed out, but no client put it")
        }
        problems += Self.orderProblems(gets, what: "crash-queue (order taken)")
        let lowest = puts.count - taken.count - lostGets
        let highest = puts.count + lostPuts.count - taken.count
        if state.queueSize < lowest || state.queueSize > highest {
            problems.append("crash-queue: qsize is \(state.queueSize); \(puts.count) puts and \(taken.count) gets were acknowledged, \(lostPuts.count) puts and \(lostGets) gets lost, which allows \(lowest)...\(highest)")
        }

        // At the end, the queue's items themselves: each acknowledged put is in the queue or was
        // acknowledged as taken, exactly once; nothing taken is still there.
        if let remaining = state.drained {
            var left: [String: Int] = [:]
            for item in remaining { left[item, default: 0] += 1 }
            for (item, count) in left.sorted(by: { $0.key < $1.key }) where count > 1 {
                problems.append("crash-queue: \(item) is in the queue \(count) times")
            }
            for item in left.keys.sorted() where taken[item] != nil {
                problems.append("crash-queue: \(item) was acknowledged as taken and is still in the queue")
            }
            for item in left.keys.sorted() where !puts.contains(item) && !lostPuts.contains(item) {
                problems.append("crash-queue: \(item) is in the queue, but no client put it")
            }
            // A lost get may have taken an item and died with the connection: at most one each.
            let vanished = puts.filter { left[$0] == nil && taken[$0] == nil }.sorted()
            if vanished.count > lostGets {
                problems.append("crash-queue: \(vanished.count) acknowledged puts are neither in the queue nor acknowledged as taken, and only \(lostGets) gets were lost: \(vanished.prefix(20).joined(separator: ", "))")
            }
            problems += Self.orderProblems(remaining, what: "crash-queue (order left)")
            // FIFO across the two: whatever a worker's items the consumer took came before those left.
            var lastTaken: [String: Int] = [:]
            for item in gets { if let (worker, index) = Self.parse(item) { lastTaken[worker] = max(lastTaken[worker] ?? index, index) } }
            for item in remaining {
                if let (worker, index) = Self.parse(item), let last = lastTaken[worker], index < last {
                    problems.append("crash-queue: \(item) is still in the queue, but \(worker)-\(last), put after it, was taken")
                }
            }
            if remaining.count != state.queueSize {
                problems.append("crash-queue: qsize said \(state.queueSize), but \(remaining.count) items were taken out")
            }
        }
        return problems
    }

    /// Each worker's items must appear in the order the worker made them.
    private static func orderProblems(_ items: [String], what: String) -> [String] {
        var last: [String: Int] = [:]
        var problems: [String] = []
        for item in items {
            guard let (worker, index) = parse(item) else {
                problems.append("\(what): \(item) is not an item a worker made")
                continue
            }
            if let previous = last[worker], previous >= index {
                problems.append("\(what): \(item) comes after \(worker)-\(previous)")
            }
            last[worker] = index
        }
        return problems
    }
}

/// The crash objects as one client reads them.
struct CrashState {
    var dict: [(key: String, value: Int)]
    var list: [String]
    var namespace: [(name: String, value: Value)]
    var queueSize: Int
    /// The queue's items, taken out with get_nowait: only at the very end, as it empties the queue.
    var drained: [String]?

    /// Reads the objects without changing them, unless `drainQueue`.
    static func read(from client: SyncManager, drainQueue: Bool) async throws -> CrashState {
        let dict: DictProxy<String, Int> = try await client.dict("crash-dict")
        let list: ListProxy<String> = try await client.list("crash-list")
        let namespace = try await client.namespace("crash-ns")
        let queue: QueueProxy<String> = try await client.queue("crash-queue")
        var state = CrashState(
            dict: try await dict.items(), list: try await list.copy(), namespace: try await namespace.attributes(),
            queueSize: try await queue.qsize()
        )
        if drainQueue {
            var items: [String] = []
            while let item = try await Self.next(from: queue) { items.append(item) }
            state.drained = items
        }
        return state
    }

    /// The queue's next item, or nil once it is empty.
    private static func next(from queue: QueueProxy<String>) async throws(ManagerError) -> String? {
        do {
            return try await queue.getNowait()
        } catch where error.code == .empty {
            return nil
        }
    }
}

/// The crash clients around one ``ManagerFixture``: `workers` `crash-worker` processes and one
/// `crash-consumer`, each followed line by line into one ``CrashLedger``.
///
/// A cycle: the clients pause after each (re)connect until the Event `crash-go` is set (the
/// restarted manager has it unset), so the test reads the state while nothing changes it; the
/// test sets it, lets the load run, kills the manager, and reads each client's lines up to its
/// "lost ..." line: from then on the ledger holds every acknowledgement sent before the kill.
final class CrashRun {
    let manager: ManagerFixture
    private(set) var clients: [(name: String, process: ChildProcess)] = []
    private(set) var ledger = CrashLedger()
    /// Every line the clients printed and every step of the test, in order: kept beside the
    /// journal when a check fails.
    private(set) var transcript: [String] = []
    /// How long any one client may take to say what the test waits for.
    let patience: Duration = .seconds(30)

    init(manager: ManagerFixture, workers: Int) throws {
        self.manager = manager
        for worker in 1...workers {
            clients.append(("worker \(worker)", try manager.client("crash-worker", "\(worker)")))
        }
        clients.append(("consumer", try manager.client("crash-consumer")))
    }

    /// Reads `client`'s lines into the ledger up to the first that satisfies `predicate`.
    private func follow(_ client: (name: String, process: ChildProcess), until predicate: (String) -> Bool, waitingFor what: String) async throws {
        while let line = await client.process.nextLine(timeout: patience) {
            ledger.record(line, from: client.name)
            transcript.append("\(client.name): \(line)")
            if let error = ledger.clientErrors.first { throw FixtureError("a client failed: \(error)") }
            if predicate(line) { return }
        }
        throw FixtureError("\(client.name) did not say \(what) within \(patience) (running: \(client.process.process.isRunning))")
    }

    /// Notes a step of the test in the transcript.
    func note(_ step: String) {
        transcript.append("test: \(step)")
    }

    /// Waits until every client is connected and paused.
    func waitUntilConnected() async throws {
        for client in clients { try await follow(client, until: { $0 == "connected" }, waitingFor: "connected") }
    }

    /// After a kill: waits until every client has noticed, so that the ledger holds everything
    /// they were told before it.
    func waitUntilKillNoticed() async throws {
        for client in clients { try await follow(client, until: { $0.hasPrefix("lost") }, waitingFor: "lost ...") }
    }

    /// Lets the paused clients go on.
    func resume() async throws {
        let client = try await manager.connect()
        try await client.event("crash-go").set()
        await client.shutdown()
    }

    /// Reads the state (draining the queue when `final`) and checks it against the ledger and
    /// the journal file's `PRAGMA integrity_check`.
    func violations(final: Bool) async throws -> [String] {
        let client = try await manager.connect()
        let state = try await CrashState.read(from: client, drainQueue: final)
        await client.shutdown()
        var problems = ledger.violations(in: state)
        // SQLite's own check of the file; PostgreSQL checks its pages itself.
        let integrity = PostgresTestDatabase.isURI(manager.journalPath) ? ["ok"] : try JournalDatabase(path: manager.journalPath).integrityCheck()
        if integrity != ["ok"] {
            problems.append("PRAGMA integrity_check on \(manager.journalPath): \(integrity.joined(separator: "; "))")
        }
        return problems
    }

    /// SIGKILLs every client and reads what they said before dying.
    func stopClients() async {
        for client in clients {
            if client.process.process.isRunning { client.process.signal(SIGKILL) }
            await client.process.waitForExit(timeout: .seconds(10))
            while let line = await client.process.nextLine(timeout: .seconds(1)) {
                ledger.record(line, from: client.name)
                transcript.append("\(client.name): \(line)")
            }
        }
    }

    /// Per client, how many calls it had acknowledged: to show the load did run.
    func acknowledgedPerWorker() -> [String: Int] {
        var counts: [String: Int] = [:]
        for item in Array(ledger.dictSets.keys) + Array(ledger.appends) + Array(ledger.puts) {
            if let (worker, _) = CrashLedger.parse(item) { counts[worker, default: 0] += 1 }
        }
        return counts
    }
}

/// A positive integer from the environment, else `fallback`.
func environmentCount(_ name: String, default fallback: Int) -> Int {
    ProcessInfo.processInfo.environment[name].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? fallback
}
