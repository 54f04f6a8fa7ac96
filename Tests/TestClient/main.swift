// A client process for the end-to-end tests. Each role does one thing a worker process does and
// prints what happened, one line per event, so the test can follow it from another process.
//
//   durable-test-client ADDRESS AUTHKEY-FILE ROLE ARGS...
import DurableWire
import Foundation
import Proxies
import Synchronization

let arguments = CommandLine.arguments
guard arguments.count >= 4 else {
    FileHandle.standardError.write(Data("usage: durable-test-client ADDRESS AUTHKEY-FILE ROLE ARGS...\n".utf8))
    exit(64)
}

func say(_ line: String) {
    print(line)
    fflush(nil)
}

let address = try ManagerAddress(parsing: arguments[1])
let authkey = try Authkey(contentsOf: arguments[2])
// The workers report a lost connection themselves and reconnect with a new manager object, so
// the library's own reconnect is off: a call after a drop fails at once.
let manager = try await SyncManager.connect(to: address, authkey: authkey, reconnectWindow: .zero)
let role = arguments[3]
let rest = Array(arguments.dropFirst(4))

do {
    switch role {
    case "produce":
        // produce COUNT QUEUE DICT: puts item-0..item-N and records each in the dict.
        let count = Int(rest[0])!
        let queue: QueueProxy<String> = try await manager.queue(rest[1])
        let record: DictProxy<String, String> = try await manager.dict(rest[2])
        for index in 0..<count {
            // Recorded before it is put, so the consumer's mark always comes after.
            try await record.set("item-\(index)", "produced")
            try await queue.put("item-\(index)")
        }
        say("produced \(count)")
    case "consume":
        // consume COUNT QUEUE DICT: takes COUNT items and marks each consumed in the dict.
        let count = Int(rest[0])!
        let queue: QueueProxy<String> = try await manager.queue(rest[1])
        let record: DictProxy<String, String> = try await manager.dict(rest[2])
        for _ in 0..<count {
            let item = try await queue.get(timeout: .seconds(30))
            try await record.set(item, "consumed")
            say("got \(item)")
        }
        say("consumed \(count)")
    case "get":
        // get QUEUE [TIMEOUT]: one blocking get.
        let queue: QueueProxy<String> = try await manager.queue(rest[0])
        say("waiting")
        let timeout = rest.count > 1 ? Duration.milliseconds(Int(Double(rest[1])! * 1000)) : nil
        say("got \(try await queue.get(timeout: timeout))")
    case "exactly-once":
        // exactly-once W COUNT: appends "wW-i" to list eo-list and sets eo-dict["wW-i"] = i for
        // i in 0..<COUNT, with the library's own reconnection and retries across restarts of the
        // manager. Every call must succeed: it prints "ack wW-i" after each pair, "done" at the end,
        // and exits 1 on any error.
        let patient = try await SyncManager.connect(to: address, authkey: authkey)
        let list = try await patient.list("eo-list", of: String.self)
        let dict = try await patient.dict("eo-dict", keys: String.self, values: Int.self)
        for index in 0..<Int(rest[1])! {
            let item = "w\(rest[0])-\(index)"
            try await list.append(item)
            try await dict.set(item, index)
            say("ack \(item)")
        }
        say("done")
    case "named-primitives":
        // named-primitives ROUNDS: a worker that uses a named Lock, Semaphore and Event each
        // round, with the library's own reconnection, across restarts of the manager. It retries
        // a step whose call was lost in flight (ConnectionLost) and handles nothing else: a
        // LostInRestart would end it with an error.
        let patient = try await SyncManager.connect(to: address, authkey: authkey)
        let lock = try await patient.lock("np-lock")
        let semaphore = try await patient.semaphore("np-semaphore", value: 2)
        let event = try await patient.event("np-event")
        let progress = try await patient.dict("np-progress", keys: String.self, values: Int.self)
        var resets = 0
        for round in 0..<Int(rest[0])! {
            while true {
                do {
                    try await lock.withLock { try await progress.set("round", round) }
                    try await semaphore.acquire()
                    try await semaphore.release()
                    try await event.set()
                    // A restart between the set and this read brings the event back unset (its
                    // state lives in memory): the round is done again, as after a lost call.
                    guard try await event.isSet() else {
                        resets += 1
                        // One kill makes one reset at most; more is an event that does not work.
                        guard resets <= 2 else { throw ManagerError(.valueError, "the event was not set") }
                        say("event reset \(round)")
                        continue
                    }
                    try await event.clear()
                    break
                } catch let error as ManagerError where error.code == .connectionLost {
                    say("lost \(round)")
                }
            }
            say("round \(round)")
            try await Task.sleep(for: .milliseconds(20))
        }
        say("done")
    case "hold-lock":
        // hold-lock LOCK SECONDS: acquires, holds, releases.
        let lock = try await manager.lock(rest[0])
        try await lock.acquire()
        say("acquired")
        try await Task.sleep(for: .milliseconds(Int(Double(rest[1])! * 1000)))
        try await lock.release()
        say("released")
    case "acquire-lock":
        // acquire-lock LOCK TIMEOUT: one timed acquire.
        let lock = try await manager.lock(rest[0])
        say("trying")
        let start = ContinuousClock.now
        let acquired = try await lock.acquire(timeout: .milliseconds(Int(Double(rest[1])! * 1000)))
        let waited = ContinuousClock.now - start
        say("\(acquired ? "acquired" : "timeout") after \(waited.components.seconds * 1000 + waited.components.attoseconds / 1_000_000_000_000_000) ms")
        if acquired { try await lock.release() }
    case "crash-worker":
        // crash-worker W: the crash test's load. Loops i = 0, 1, 2...: dict crash-dict sets
        // "wW-i" = i, list crash-list appends "wW-i", queue crash-queue puts "wW-i", namespace
        // crash-ns sets attribute "wW" = i. Prints "ack OP wW-i" (OP: dict, list, put, ns) only
        // once the call returned. When the connection is lost it prints "lost OP wW-i" (that
        // call may or may not have been applied), reconnects, and goes on with the next call;
        // each op is tried once, never repeated. See `crashSession` for the pause after each
        // (re)connect.
        let worker = "w\(rest[0])"
        var connection = manager
        var index = 0
        var step = 0
        let ops = ["dict", "list", "put", "ns"]
        while true {
            guard let objects = await crashSession(&connection) else { continue }
            do {
                while true {
                    let (item, value, op) = ("\(worker)-\(index)", index, ops[step])
                    step += 1
                    if step == ops.count { (step, index) = (0, index + 1) }
                    do {
                        switch op {
                        case "dict": try await objects.dict.set(item, value)
                        case "list": try await objects.list.append(item)
                        case "put": try await objects.queue.put(item)
                        default: try await objects.namespace.set(worker, value)
                        }
                    } catch where error.code == .connectionLost {
                        say("lost \(op) \(item)")
                        throw error
                    } catch {
                        say("error \(op) \(item) \(error.code) \(error.message)")
                        exit(1)
                    }
                    say("ack \(op) \(item)")
                }
            } catch {
                connection = await reconnect(replacing: connection)
            }
        }
    case "crash-consumer":
        // crash-consumer: the crash test's taker. Gets from queue crash-queue (waiting up to 1 s;
        // an empty queue is asked again) and prints "ack get ITEM" once each get returned. When
        // the connection is lost during a get it prints "lost get" (that get may have taken an
        // item the manager committed but could not deliver), reconnects and goes on.
        var connection = manager
        while true {
            guard let objects = await crashSession(&connection) else { continue }
            while true {
                do {
                    let item = try await objects.queue.get(timeout: .seconds(1))
                    say("ack get \(item)")
                } catch where error.code == .empty {
                    continue
                } catch where error.code == .connectionLost {
                    say("lost get")
                    break
                } catch {
                    say("error get \(error.code) \(error.message)")
                    exit(1)
                }
            }
            connection = await reconnect(replacing: connection)
        }
    case "take-job":
        // take-job QUEUE: takes one job from WorkQueue QUEUE under the queue's lease, prints
        // "took ITEM tag T deliveries D", and holds it without an ack until killed.
        let jobs = try await manager.workQueue(rest[0], of: String.self)
        let delivery = try await jobs.take()
        say("took \(delivery.item) tag \(delivery.tag) deliveries \(delivery.deliveries)")
        try? await Task.sleep(for: .seconds(3600))
    case "work-jobs", "fail-jobs":
        // work-jobs QUEUE COUNT / fail-jobs QUEUE COUNT: processes COUNT jobs of WorkQueue QUEUE
        // with `process`, printing "done ITEM" (acked) or "failed ITEM" (the body threw: nacked).
        let jobs = try await manager.workQueue(rest[0], of: String.self)
        struct Failure: Error { var job: String }
        for _ in 0..<Int(rest[1])! {
            do {
                let item = try await jobs.process(timeout: .seconds(30)) { job in
                    if role == "fail-jobs" { throw Failure(job: job) }
                    return job
                }
                say("done \(item)")
            } catch let failure as Failure {
                say("failed \(failure.job)")
            }
        }
    case "wq-produce":
        // wq-produce P: puts "pP-0", "pP-1", ... on WorkQueue wq-jobs with the library's own
        // reconnection and retries, printing "put ITEM" once each put returned, until its
        // standard input closes; then prints "produced N". Exits 1 on any error.
        let patient = try await SyncManager.connect(to: address, authkey: authkey)
        let jobs = try await patient.workQueue("wq-jobs", of: String.self, lease: .seconds(30), maxDeliveries: 1000)
        let input = StandardInputEnd()
        var count = 0
        while !input.closed {
            try await jobs.put("p\(rest[0])-\(count)")
            say("put p\(rest[0])-\(count)")
            count += 1
        }
        say("produced \(count)")
    case "wq-work":
        // wq-work: takes jobs from WorkQueue wq-jobs and acks each, with the library's own
        // reconnection and retries, printing "took ITEM tag T deliveries D", then "acked ITEM tag
        // T" or, when the lease had ended meanwhile (the job went back), "refused ITEM tag T".
        // Once its standard input closed and a take finds nothing for a second, it prints
        // "idle" and exits. Exits 1 on any other error.
        let patient = try await SyncManager.connect(to: address, authkey: authkey)
        let jobs = try await patient.workQueue("wq-jobs", of: String.self, lease: .seconds(30), maxDeliveries: 1000)
        let input = StandardInputEnd()
        while true {
            guard let delivery = try await takeJob(jobs) else {
                if input.closed { break }
                continue
            }
            say("took \(delivery.item) tag \(delivery.tag) deliveries \(delivery.deliveries)")
            say(try await ackJob(jobs, delivery) ? "acked \(delivery.item) tag \(delivery.tag)" : "refused \(delivery.item) tag \(delivery.tag)")
        }
        say("idle")
    case "fill-dict":
        // fill-dict DICT COUNT: sets "k0" = 0 ... "k{COUNT-1}" = COUNT-1, one call at a time,
        // and prints "filled COUNT" once the last returned.
        let count = Int(rest[1])!
        let dict: DictProxy<String, Int> = try await manager.dict(rest[0])
        for index in 0..<count {
            try await dict.set("k\(index)", index)
        }
        say("filled \(count)")
    default:
        FileHandle.standardError.write(Data("unknown role \(role)\n".utf8))
        exit(64)
    }
} catch let error as ManagerError {
    say("error \(error.code) \(error.message)")
    exit(1)
}
await manager.shutdown()

// MARK: The WorkQueue crash roles

/// Whether this process's standard input has reached its end: how a test tells a role to stop
/// at its next safe point (no call in flight).
final class StandardInputEnd: Sendable {
    private let ended = Atomic<Bool>(false)

    init() {
        // Not readLine: it would hold stdio's lock on stdin while it waits, and `say`'s
        // fflush(nil) takes every stream's lock.
        Thread.detachNewThread { [self] in
            _ = FileHandle.standardInput.readDataToEndOfFile()
            ended.store(true, ordering: .releasing)
        }
    }

    var closed: Bool { ended.load(ordering: .acquiring) }
}

/// A job of `jobs`, or nil when none came within a second.
func takeJob(_ jobs: WorkQueueProxy<String>) async throws(ManagerError) -> Delivery<String>? {
    do {
        return try await jobs.take(timeout: .seconds(1))
    } catch where error.code == .empty {
        return nil
    }
}

/// Acks `delivery`: false when its lease had ended (its session expired while the manager was
/// down, say), so the job went back to the queue for another delivery.
func ackJob(_ jobs: WorkQueueProxy<String>, _ delivery: Delivery<String>) async throws(ManagerError) -> Bool {
    do {
        try await jobs.ack(delivery.tag)
        return true
    } catch where error.code == .keyError {
        return false
    }
}

// MARK: The crash roles

/// The shared objects a crash role works on.
struct CrashObjects {
    let dict: DictProxy<String, Int>
    let list: ListProxy<String>
    let queue: QueueProxy<String>
    let namespace: NamespaceProxy
}

/// Opens the crash roles' objects on `connection`, prints "connected", and waits for the Event
/// `crash-go` before the role goes on. Events live in memory, so a restarted manager has it unset:
/// the test checks the state while every client waits here, then sets it. When the connection
/// is lost meanwhile it prints "lost wait", reconnects into `connection` and returns nil.
@MainActor
func crashSession(_ connection: inout SyncManager) async -> CrashObjects? {
    do {
        let objects = CrashObjects(
            dict: try await connection.dict("crash-dict"),
            list: try await connection.list("crash-list"),
            queue: try await connection.queue("crash-queue"),
            namespace: try await connection.namespace("crash-ns")
        )
        let go = try await connection.event("crash-go")
        say("connected")
        try await go.wait()
        return objects
    } catch where error.code == .connectionLost {
        say("lost wait")
    } catch {
        say("error wait \(error)")
        exit(1)
    }
    connection = await reconnect(replacing: connection)
    return nil
}

/// Closes `old` and connects again: every 50 ms, for at most 60 s (a test that died leaves no
/// manager behind, and then this process must end by itself).
@MainActor
func reconnect(replacing old: SyncManager) async -> SyncManager {
    await old.shutdown()
    let deadline = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < deadline {
        if let connection = try? await SyncManager.connect(to: address, authkey: authkey, reconnectWindow: .zero) { return connection }
        try? await Task.sleep(for: .milliseconds(50))
    }
    say("gave up: no manager for 60 s")
    exit(3)
}
