import DurableWire
import Foundation
import NIOPosix
import Proxies

/// One benchmark run seen from the parent: the manager (its own, or the one `--connect` names),
/// the shared objects, one worker process per client started together, and the report.
struct BenchRun: Sendable {
    /// Where the manager is: started for the run, or already running.
    enum Target: Sendable {
        /// A manager started for the run: `durablectl serve`, or `executable serve` (a custom manager).
        case own(family: BenchFamily, durability: String, executable: String?)
        case running(address: ManagerAddress, authkeyPath: String)
    }

    let plan: BenchPlan
    let target: Target
    /// The durability reported for a manager the run did not start: what the user said it runs.
    let reportedDurability: String?

    /// Runs the benchmark and always stops the manager it started and removes its files.
    /// - Throws: ``BenchError`` when the manager does not start or a worker fails; `ManagerError`
    ///   when the manager named by `--connect` cannot be reached.
    func run() async throws -> BenchReport {
        // A worker that died leaves a closed pipe; writing to it must fail, not kill this process.
        signal(SIGPIPE, SIG_IGN)
        let executable = try Self.ownExecutable()
        let folder = try Self.makeTemporaryFolder()
        var manager: BenchManagerProcess?
        do {
            let address: ManagerAddress
            let authkeyPath: String
            let family: String
            let durability: String
            let process: ManagerProcessLookup
            switch target {
            case .own(let ownFamily, let ownDurability, let managerExecutable):
                let started = try await BenchManagerProcess.start(
                    executable: managerExecutable ?? executable, family: ownFamily, durability: ownDurability, folder: folder
                )
                manager = started
                (address, authkeyPath, family, durability) = (started.address, started.authkeyPath, ownFamily.rawValue, ownDurability)
                process = .found(pid: started.pid)
            case .running(let runningAddress, let runningAuthkeyPath):
                family = BenchFamily(of: runningAddress).rawValue
                (address, authkeyPath, durability) = (runningAddress, runningAuthkeyPath, reportedDurability ?? "unknown")
                process = try await NIOThreadPool.singleton.runIfActive { ManagerProcessLookup.lookUp(runningAddress) }
            }
            let (results, activity) = try await measure(
                address: address, authkeyPath: authkeyPath, process: process, executable: executable, folder: folder
            )
            await manager?.stop()
            try? FileManager.default.removeItem(atPath: folder)
            return BenchReport(plan: plan, family: family, durability: durability, results: results, manager: activity)
        } catch {
            await manager?.stop()
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
    }

    /// Creates the objects, runs the workers and collects what each measured, and what the
    /// manager did meanwhile.
    private func measure(
        address: ManagerAddress, authkeyPath: String, process: ManagerProcessLookup, executable: String, folder: String
    ) async throws -> ([BenchWorkerResult], BenchManagerActivity) {
        let client = try await SyncManager.connect(to: address, authkey: try Authkey(contentsOf: authkeyPath))
        let objects = BenchObjects.unique()
        var workers: [BenchWorkerProcess] = []
        do {
            try await objects.create(for: plan, on: client)
            for index in 0..<plan.workerCount {
                workers.append(try BenchWorkerProcess(
                    index: index, executable: executable,
                    arguments: workerArguments(index, address: address, authkeyPath: authkeyPath, objects: objects),
                    errorPath: folder + "/worker-\(index).log"
                ))
            }
            let started = workers
            let probe = await BenchManagerProbe(client: client, process: process)
            let limit = Duration.seconds(60 + BenchPlan.maxSeconds + 90)
            let measured = try await withWatchdog(after: limit, onExpiry: { started.forEach { $0.kill() } }) {
                for worker in started {
                    guard await worker.readLine() == "ready" else {
                        throw await failure(of: worker, among: started, doing: "its warm-up")
                    }
                }
                return try await probe.measuring {
                    for worker in started { try worker.sendGo() }
                    var results: [BenchWorkerResult] = []
                    for worker in started {
                        guard let line = await worker.readLine(),
                              let result = try? JSONDecoder().decode(BenchWorkerResult.self, from: Data(line.utf8))
                        else { throw await failure(of: worker, among: started, doing: "its timed calls") }
                        results.append(result)
                    }
                    return results
                }
            }
            for worker in workers { await worker.waitForExit() }
            await objects.delete(on: client)
            await client.shutdown()
            return measured
        } catch {
            for worker in workers { worker.kill() }
            for worker in workers { await worker.waitForExit() }
            await objects.delete(on: client)
            await client.shutdown()
            throw error
        }
    }

    /// The first worker that failed by itself (a producer that failed leaves consumers waiting
    /// in vain, so the one being read is not always the cause), else `worker`.
    private func failure(of worker: BenchWorkerProcess, among workers: [BenchWorkerProcess], doing what: String) async -> BenchError {
        await worker.waitForExit(timeout: .seconds(2))
        let culprit = workers.first(where: \.hasFailed) ?? worker
        return .workerFailed("bench worker \(culprit.index) failed during \(what): \(culprit.failureReason())")
    }

    private func workerArguments(_ index: Int, address: ManagerAddress, authkeyPath: String, objects: BenchObjects) -> [String] {
        var arguments = [
            "bench", "--worker", "\(index)", "--objects", objects.prefix,
            "--op", plan.operation.rawValue, "--clients", "\(plan.clients)", "--total", "\(plan.total)",
            "--inflight", "\(plan.inflight)", "--connect", "\(address)", "--authkey-file", authkeyPath,
        ]
        if let call = plan.call {
            arguments += ["--type", call.typeID, "--method", call.method]
            for argument in call.arguments { arguments += ["--argument", argument.jsonText()] }
        }
        return arguments
    }

    /// This very program: workers and the manager are `durablectl` too.
    private static func ownExecutable() throws(BenchError) -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        let path = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw .system("cannot find this program's own executable to start workers (tried \(path))")
        }
        return path
    }

    private static func makeTemporaryFolder() throws(BenchError) -> String {
        var template = Array((FileManager.default.temporaryDirectory.path + "/durablectl-bench-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw .system("cannot create a temporary folder for the run: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }
}
