@testable import DurableManager
import DurableWire
import Foundation
import NIOCore
import Testing

/// The model-based randomized test: random sequences of calls, valid and not, over every type,
/// through the real frame decoder, connection handler, store and SQLite journal. After every call:
///
/// - the reply is one a client can read;
/// - a call that failed left its object exactly as it was (all or nothing);
/// - every durable object in memory equals the object rebuilt from the journal file (its last
///   checkpoint plus the records after it) by a separate reader;
///
/// and at random moments the manager is crashed (or stopped cleanly) and started again on the
/// file, and must come back with exactly the state it had. The manager being alive is the
/// test process being alive: a trap anywhere ends the run.
///
/// CI runs a short version. Longer runs, and a failing seed again:
///
///     MODEL_SEQUENCES=500 MODEL_STEPS=400 swift test --filter ModelTests
///     MODEL_SEED=1234 swift test --filter ModelTests
///
/// (`scripts/model-test.sh` runs the long version in a release build.)
@Suite(.serialized)
struct ModelTests {
    @Test func randomCallSequencesKeepMemoryEqualToTheJournal() throws {
        let environment = ProcessInfo.processInfo.environment
        let sequences = environment["MODEL_SEQUENCES"].flatMap(Int.init) ?? 12
        let steps = environment["MODEL_STEPS"].flatMap(Int.init) ?? 150
        let firstSeed = environment["MODEL_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0..<1_000_000_000)
        var totals = ModelRun.Totals()
        for offset in 0..<UInt64(sequences) {
            let seed = firstSeed + offset
            var run = try ModelRun(seed: seed)
            defer { run.finish() }
            do {
                try run.steps(steps)
            } catch {
                Issue.record("seed \(seed) (replay with MODEL_SEED=\(seed) MODEL_SEQUENCES=1): \(error)")
                return
            }
            totals.add(run.totals)
            if run.failed { return }
        }
        print("model test: \(sequences) sequences from seed \(firstSeed), \(totals)")
    }
}

/// One random sequence on one journal file.
struct ModelRun {
    struct Totals: CustomStringConvertible {
        var calls = 0
        var failedCalls = 0
        var parkedCalls = 0
        var crashes = 0
        var cleanRestarts = 0
        var checkedStates = 0

        mutating func add(_ other: Totals) {
            calls += other.calls
            failedCalls += other.failedCalls
            parkedCalls += other.parkedCalls
            crashes += other.crashes
            cleanRestarts += other.cleanRestarts
            checkedStates += other.checkedStates
        }

        var description: String {
            "\(calls) calls (\(failedCalls) refused, \(parkedCalls) parked), \(crashes) crashes, \(cleanRestarts) clean restarts, \(checkedStates) object states checked against the journal"
        }
    }

    let seed: UInt64
    private var random: RandomCalls
    private let folder: String
    private var harness: DurableHarness
    private var clients: [FramedClient] = []
    private var sessions: [String]
    /// Objects made so far, with their types; primitives of an earlier run stay (they are lost
    /// in a restart, which the manager must say).
    private var objects: [(id: UInt64, typeID: String)] = []
    private(set) var totals = Totals()
    private(set) var failed = false

    init(seed: UInt64) throws {
        self.seed = seed
        random = RandomCalls(rng: SeededGenerator(seed: seed))
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("dm-model-\(seed)-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        harness = try DurableHarness(path: folder + "/journal.sqlite", checkpointEvery: Int.random(in: 3...60, using: &random.rng))
        sessions = ["model-a-\(seed)", "model-b-\(seed)"]
        try connectClients()
    }

    func finish() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private mutating func connectClients() throws {
        let previous = clients
        clients = try sessions.indices.map { index in
            try harness.connect(session: sessions[index], after: previous.indices.contains(index) ? previous[index] : nil)
        }
    }

    mutating func steps(_ count: Int) throws {
        for _ in 0..<count {
            try step()
            if failed { return }
        }
    }

    private mutating func step() throws {
        if objects.isEmpty || random.chance(8) {
            try create()
        } else if random.chance(1) {
            try crash()
        } else if random.chance(1) {
            try stopCleanly()
        } else if random.chance(2) {
            // A client goes away (its parked calls are taken off their queues) and comes back.
            let index = Int.random(in: 0..<clients.count, using: &random.rng)
            try clients[index].channel.close().wait()
            harness.settle()
            clients[index] = try harness.connect(session: sessions[index], after: clients[index])
        } else if random.chance(3) {
            harness.loop.advanceTime(by: .milliseconds(Int64.random(in: 1...2000, using: &random.rng)))
        } else {
            try callSomething()
        }
        try checkMemoryEqualsJournal()
    }

    private mutating func create() throws {
        let typeID = random.chance(75) ? random.pick(RandomCalls.durableTypes) : random.pick(RandomCalls.primitiveTypes)
        let name: Value = random.chance(40) ? .string(random.pick(["jobs", "status", "\u{e9}", "e\u{301}"])) : .null
        var arguments: [Value] = []
        switch typeID {
        case "dict", "list", "Namespace": if random.chance(40) { arguments = [random.iterable()] }
        case "Value": arguments = [random.value()]
        case "Queue", "JoinableQueue": if random.chance(50) { arguments = [.int(Int64.random(in: 0...3, using: &random.rng))] }
        case "WorkQueue": if random.chance(60) { arguments = [random.lease(), .int(Int64.random(in: 0...3, using: &random.rng))] }
        case "Semaphore", "BoundedSemaphore": arguments = [random.count()]
        case "Barrier": arguments = [.int(Int64.random(in: 1...3, using: &random.rng))]
        default: break
        }
        let client = random.pick(clients)
        let id = try client.call(0, "create", [.string(typeID), name, .array(arguments)])
        harness.settle()
        totals.calls += 1
        switch try client.takeReply(id) {
        case .success(.reference(let reference)): objects.append((reference.id, reference.typeID))
        case .success(let other): throw HarnessError("create answered \(other)")
        case .failure: totals.failedCalls += 1
        case nil: throw HarnessError("create of \(typeID) parked")
        }
    }

    private mutating func callSomething() throws {
        let (target, typeID) = random.pick(objects)
        let method = random.method(of: typeID)
        let arguments = random.arguments(for: method, of: typeID, on: target)
        let before = harness.durableObjects[target]
        let client = random.pick(clients)
        let id = try client.call(target, method, arguments, owner: UInt64.random(in: 1...2, using: &random.rng))
        harness.settle()
        totals.calls += 1
        switch try client.takeReply(id) {
        case .success(let value):
            if typeID == "WorkQueue", method == "take", case .map(let fields) = value, case .int(let tag)? = fields["tag"] {
                random.noteTag(tag, on: target, taken: true)
            } else if typeID == "WorkQueue", method == "ack" || method == "nack", case .int(let tag)? = arguments.first {
                random.noteTag(tag, on: target, taken: false)
            }
        case .failure(let error):
            totals.failedCalls += 1
            let after = harness.durableObjects[target]
            if error.code != .journalFailure, before?.state != after?.state {
                record("\(typeID).\(method)\(arguments) failed with \(error) but changed the object from \(before?.state.description ?? "nothing") to \(after?.state.description ?? "nothing")")
            }
        case nil:
            totals.parkedCalls += 1
        }
    }

    private mutating func crash() throws {
        let before = harness.durableObjects
        try harness.crashAndRestart()
        totals.crashes += 1
        try expectRestored(before, after: "a crash")
    }

    private mutating func stopCleanly() throws {
        let before = harness.durableObjects
        try harness.stopCleanlyAndRestart()
        totals.cleanRestarts += 1
        if harness.startInfo.records != 0 || !harness.startInfo.cleanShutdown {
            record("a clean stop left \(harness.startInfo.records) records to replay (clean: \(harness.startInfo.cleanShutdown))")
        }
        try expectRestored(before, after: "a clean stop")
    }

    private mutating func expectRestored(_ before: [UInt64: JournalObject], after event: String) throws {
        let restored = harness.durableObjects
        for (id, object) in before where restored[id] != object {
            record("after \(event), #\(id) came back as \(restored[id]?.shown ?? "nothing"), was \(object.shown)")
        }
        for id in restored.keys where before[id] == nil {
            record("after \(event), #\(id) appeared: \(restored[id]!.shown)")
        }
        try connectClients()
    }

    private mutating func checkMemoryEqualsJournal() throws {
        let memory = harness.durableObjects
        let journal = try harness.journalObjects()
        totals.checkedStates += memory.count
        for (id, object) in memory where journal[id] != object {
            record("#\(id) in memory is \(object.shown), the journal says \(journal[id]?.shown ?? "nothing")")
        }
        for id in journal.keys where memory[id] == nil {
            record("the journal holds #\(id), which memory does not: \(journal[id]!.shown)")
        }
    }

    private mutating func record(_ problem: String) {
        failed = true
        Issue.record("seed \(seed) (replay with MODEL_SEED=\(seed) MODEL_SEQUENCES=1): \(problem)")
    }
}

extension JournalObject {
    var shown: String { "\(typeID)\(name.map { " '\($0)'" } ?? "") \(state)" }
}
