// Long-running jobs coordinated through a manager that nothing can make forget them.
//
// `swift run job-coordination-example` runs, as separate processes of this same program:
//
//   - a manager (`job-coordination-example serve ...`) with a journal in a temporary folder;
//   - a producer that puts 40 jobs on the WorkQueue "jobs";
//   - four workers that take jobs under a 10-second lease, work on each for a while, write the
//     result to the dict "results" and ack it.
//
// Then it does what happens to real deployments: it kills one worker with SIGKILL while that
// worker holds a job, and kills the manager with SIGKILL once, half way through, and starts it
// again on the same journal. The killed worker's job comes back when its session ends (one
// second after its connection, `--session-grace 1`) and another worker runs it; the workers
// and the producer ride over the manager's restart on their own (calls wait for it, and a
// call in flight is answered once, not applied twice). At the end it prints how many jobs ran
// and how many were delivered more than once, and checks that every job has its one right result.
import DurableManager
import DurableManagerServe
import Foundation
import Proxies

/// A job: add up the squares of `0..<count`, which takes the worker `millis` milliseconds.
struct Job: Codable, Sendable {
    var number: Int
    var count: Int
    var millis: Int

    var answer: Int { (0..<count).reduce(0) { $0 + $1 * $1 } }
}

/// What a worker records for a job it finished.
struct Outcome: Codable, Sendable {
    var worker: String
    var answer: Int
    var deliveries: Int
}

/// The manager: the built-in types, WorkQueue among them.
struct JobsManager: CustomManager {
    static let types = TypeRegistry.syncManager
}

let jobCount = 40
let workerCount = 4

/// The process of this same program for a role, its standard output read line by line.
final class Child: @unchecked Sendable {
    let name: String
    private let process = Process()
    private let lines = AsyncStream<String>.makeStream()

    init(_ name: String, _ arguments: [String]) throws {
        self.name = name
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // A thread of its own with blocking reads: Foundation's `readabilityHandler` on Linux
        // now and then misses the end of a pipe, and the example then waits for it forever.
        let reader = output.fileHandleForReading, continuation = lines.continuation
        Thread.detachNewThread {
            var partial = Data()
            while case let data = reader.availableData, !data.isEmpty {
                partial.append(data)
                while let end = partial.firstIndex(of: UInt8(ascii: "\n")) {
                    continuation.yield(String(decoding: partial[partial.startIndex..<end], as: UTF8.self))
                    partial.removeSubrange(partial.startIndex...end)
                }
            }
            continuation.finish()
        }
    }

    /// The lines the process prints, as they come.
    var output: AsyncStream<String> { lines.stream }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func terminate() {
        process.terminate()
        process.waitUntilExit()
    }

    func waitForExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "serve":
    await JobsManager.serve(arguments: arguments)
case "producer":
    try await produce(socket: arguments[1], authkey: arguments[2])
    exit(0)
case "worker":
    try await work(name: arguments[1], socket: arguments[2], authkey: arguments[3])
    exit(0)
default:
    try await coordinate()
}

func connect(socket: String, authkey: String) async throws -> SyncManager {
    // A manager restart takes well under a second here; the window is what a call will wait.
    try await SyncManager.connect(to: .unixDomainSocket(path: socket), authkey: try Authkey(contentsOf: authkey), reconnectWindow: .seconds(60))
}

func produce(socket: String, authkey: String) async throws {
    let manager = try await connect(socket: socket, authkey: authkey)
    let jobs = try await manager.workQueue("jobs", of: Job.self, lease: .seconds(10))
    for number in 1...jobCount {
        try await jobs.put(Job(number: number, count: 1_000 * number, millis: 150 + 37 * (number % 7)))
    }
    print("put \(jobCount) jobs")
    await manager.shutdown()
}

func work(name: String, socket: String, authkey: String) async throws {
    let manager = try await connect(socket: socket, authkey: authkey)
    let jobs = try await manager.workQueue("jobs", of: Job.self, lease: .seconds(10))
    let results = try await manager.dict("results", keys: Int.self, values: Outcome.self)
    // Three seconds without a job: the work is done.
    while let delivery = try await nextJob(jobs) {
        print("took \(delivery.item.number) (delivery \(delivery.deliveries))")
        fflush(nil)
        try await Task.sleep(for: .milliseconds(delivery.item.millis))
        let outcome = Outcome(worker: name, answer: delivery.item.answer, deliveries: delivery.deliveries)
        // The result first, then the ack: a worker that dies between the two leaves a result
        // that the next delivery writes again, the same.
        try await results.set(delivery.item.number, outcome)
        try await jobs.ack(delivery.tag)
        print("done \(delivery.item.number)")
        fflush(nil)
    }
    await manager.shutdown()
}

/// The next job, or nil when none came for three seconds.
func nextJob(_ jobs: WorkQueueProxy<Job>) async throws -> Delivery<Job>? {
    do {
        return try await jobs.take(timeout: .seconds(3))
    } catch where error.code == .empty {
        return nil
    }
}

func coordinate() async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("job-coordination-\(getpid())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let socket = folder + "/manager.sock", authkey = folder + "/authkey"
    let serveArguments = [
        "serve", "--listen", "unix:" + socket, "--journal", folder + "/journal.sqlite",
        "--authkey-file", authkey, "--session-grace", "1", "--log-level", "error",
    ]
    func startManager() async throws -> Child {
        let manager = try Child("manager", serveArguments)
        for await line in manager.output where line.hasPrefix("DurableManager listening") { break }
        return manager
    }

    var manager = try await startManager()
    print("manager started, journal in \(folder)")
    let observer = try await connect(socket: socket, authkey: authkey)
    let results = try await observer.dict("results", keys: Int.self, values: Outcome.self)
    let producer = try Child("producer", ["producer", socket, authkey])
    for await line in producer.output { print("producer: \(line)") }
    guard producer.waitForExit() == 0 else { throw ExampleFailure("the producer failed") }

    let workers = try (1...workerCount).map { try Child("worker-\($0)", ["worker", "worker-\($0)", socket, authkey]) }
    let counts = Counts()
    // Worker 1 is killed as soon as it holds its first job: that job must not be lost.
    let echoes = workers.map { worker in
        Task {
            for await line in worker.output {
                print("\(worker.name): \(line)")
                await counts.note(line)
                if worker.name == "worker-1", line.hasPrefix("took") {
                    worker.kill()
                    print("worker-1: killed with SIGKILL while it held job \(line.dropFirst(5))")
                }
            }
        }
    }

    // Half way through, the manager is killed and started again on its journal.
    while try await results.count() < jobCount / 2 { try await Task.sleep(for: .milliseconds(50)) }
    manager.kill()
    print("manager: killed with SIGKILL, \(jobCount / 2) or more results recorded")
    manager = try await startManager()
    print("manager: started again on the same journal")

    for worker in workers.dropFirst() { _ = worker.waitForExit() }
    for echo in echoes { await echo.value }

    // The checks: every job done once with the right answer, nothing left anywhere.
    let jobs = try await observer.workQueue("jobs", of: Job.self)
    let outcomes = try await results.items()
    var failures: [String] = []
    for number in 1...jobCount {
        let expected = Job(number: number, count: 1_000 * number, millis: 0).answer
        guard let outcome = outcomes.first(where: { $0.key == number })?.value else {
            failures.append("job \(number) has no result")
            continue
        }
        if outcome.answer != expected { failures.append("job \(number) answered \(outcome.answer), not \(expected)") }
    }
    if try await jobs.qsize() != 0 { failures.append("jobs are still queued") }
    if try await !jobs.leased().isEmpty { failures.append("jobs are still leased") }
    if try await !jobs.dead().isEmpty { failures.append("jobs went to the dead letters") }
    let redelivered = outcomes.filter { $0.value.deliveries > 1 }.sorted { $0.key < $1.key }
        .map { "\($0.key) (delivery \($0.value.deliveries), by \($0.value.worker))" }
    let (taken, done) = await (counts.taken, counts.done)
    print("""

    \(jobCount) jobs, \(workerCount) workers, one worker and the manager killed with SIGKILL
    jobs taken: \(taken), jobs finished: \(done), results recorded: \(outcomes.count)
    jobs delivered more than once: \(redelivered.isEmpty ? "none" : redelivered.joined(separator: ", "))
    """)
    await observer.shutdown()
    manager.terminate()
    if failures.isEmpty {
        print("every job completed with its right answer; nothing queued, leased or dead")
    } else {
        print("FAILED:\n  " + failures.joined(separator: "\n  "))
        exit(1)
    }
}

/// How many jobs the workers said they took and finished.
actor Counts {
    var taken = 0
    var done = 0

    func note(_ line: String) {
        if line.hasPrefix("took") { taken += 1 }
        if line.hasPrefix("done") { done += 1 }
    }
}

struct ExampleFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
