import DurableWire
import Foundation
import NIOPosix
import Proxies

/// One client of a run, in a process of its own (`durablectl bench --worker INDEX`).
///
/// It opens its own connection, warms up untimed, prints `ready`, waits for the parent's `go` on
/// stdin (so that every client starts timing together, as `benchlib.py`'s barrier does), times
/// each call, and prints one ``BenchWorkerResult`` line.
struct BenchWorker: Sendable {
    /// One call of the run's operation: `j` numbers the call (it picks the key); false when a
    /// consumer found the queue empty for too long and stops.
    private typealias Call = @Sendable (_ j: Int) async throws -> Bool

    /// What one of the worker's concurrent tasks measured.
    private struct Lane: Sendable {
        var latencies: [Int64]
        var end: Int64
    }

    let plan: BenchPlan
    let index: Int
    let address: ManagerAddress
    let authkeyPath: String
    let objects: BenchObjects

    func run() async throws {
        let assignment = plan.assignment(forWorker: index)
        let manager = try await SyncManager.connect(to: address, authkey: try Authkey(contentsOf: authkeyPath))
        let warmUpCall = try await makeCall(manager, role: assignment.role, patience: .seconds(10))
        for j in 0..<assignment.warmUp {
            guard try await warmUpCall(j) else {
                throw BenchError.workerFailed("the queue stayed empty for 10 s during the warm-up")
            }
        }
        writeLine("ready")
        let signal = try await NIOThreadPool.singleton.runIfActive { Swift.readLine() }
        guard signal == "go" else {
            throw BenchError.workerFailed("the parent went away before the start")
        }
        let call = try await makeCall(manager, role: assignment.role, patience: BenchPlan.consumerPatience)
        // Calls run on the connection's own thread, as a client that makes calls in a loop should.
        let result = try await withTaskExecutorPreference(manager.executor) {
            try await measure(call, count: assignment.count, role: assignment.role)
        }
        writeLine(String(decoding: try JSONEncoder().encode(result), as: UTF8.self))
        await manager.shutdown()
    }

    /// Runs `count` calls over `plan.inflight` concurrent tasks that share the connection.
    private func measure(_ call: @escaping Call, count: Int, role: BenchAssignment.Role) async throws -> BenchWorkerResult {
        let inflight = plan.inflight
        let clock = ContinuousClock()
        let cpuBefore = CPUTime.ofThisProcess()
        let start = MonotonicTime.nanoseconds()
        let deadline = clock.now + .seconds(BenchPlan.maxSeconds)
        let lanes = try await withThrowingTaskGroup(of: Lane.self) { group in
            for lane in 0..<inflight {
                let calls = BenchPlan.share(of: count, parts: inflight, index: lane)
                group.addTask {
                    var measured = Lane(latencies: [], end: start)
                    measured.latencies.reserveCapacity(calls)
                    for m in 0..<calls {
                        let began = clock.now
                        guard try await call(lane + m * inflight) else { break }
                        let ended = clock.now
                        measured.latencies.append((ended - began).nanoseconds)
                        measured.end = MonotonicTime.nanoseconds()
                        if ended > deadline { break }
                    }
                    return measured
                }
            }
            var lanes: [Lane] = []
            for try await lane in group { lanes.append(lane) }
            return lanes
        }
        let cpu = CPUTime.ofThisProcess() - cpuBefore
        let latencies = lanes.flatMap(\.latencies)
        return BenchWorkerResult(
            worker: index, role: role, start: start, end: lanes.map(\.end).max() ?? start,
            ops: latencies.count, latencies: latencies, cpu: cpu
        )
    }

    /// The call this worker repeats, on proxies opened once.
    private func makeCall(_ manager: SyncManager, role: BenchAssignment.Role, patience: Duration) async throws -> Call {
        let value = BenchPlan.value
        let client = index
        switch plan.operation {
        case .dictSet:
            let dict: DictProxy<String, String> = try await manager.dict(objects.dict)
            let keys = (0..<BenchPlan.keysPerClient).map { BenchPlan.key(client: client, call: $0) }
            return { j in try await dict.set(keys[j % keys.count], value); return true }
        case .dictGet:
            let dict: DictProxy<String, String> = try await manager.dict(objects.dict)
            let keys = (0..<BenchPlan.keysPerClient).map { BenchPlan.key(client: client, call: $0) }
            return { j in _ = try await dict[keys[j % keys.count]]; return true }
        case .listAppend:
            let list: ListProxy<String> = try await manager.list(objects.list)
            return { _ in try await list.append(value); return true }
        case .nsSet:
            let namespace = try await manager.namespace(objects.namespace)
            let attribute = "a\(client)"
            return { _ in try await namespace.set(attribute, value); return true }
        case .lock:
            let lock = try await manager.lock(objects.lock)
            return { _ in
                try await lock.acquire()
                try await lock.release()
                return true
            }
        case .queue:
            let queue: QueueProxy<String> = try await manager.queue(objects.queue)
            if role == .put {
                return { _ in try await queue.put(value); return true }
            }
            return { _ in
                do {
                    _ = try await queue.get(timeout: patience)
                    return true
                } catch let error as ManagerError where error.code == .empty {
                    return false
                }
            }
        case .call:
            guard let call = plan.call else { throw ManagerError(.valueError, "--op call needs --type and --method") }
            let object = try await manager.create(call.typeID, name: objects.called)
            return { _ in _ = try await object.callMethod(call.method, call.arguments); return true }
        }
    }

    private func writeLine(_ line: String) {
        print(line)
        fflush(nil)
    }
}
