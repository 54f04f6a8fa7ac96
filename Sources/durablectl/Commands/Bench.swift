import ArgumentParser
import DurableManager
import DurableWire

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a manager from many client processes and report throughput and latency.",
        discussion: """
            The same work, under the same names, as Python's mp_manager_bench.py: each client is \
            a process of its own with its own connection; dict ops use 1000 keys per client, \
            cycled, and 100-byte string values; every client makes 200 untimed warm-up calls, \
            then all start timing together. Throughput is all calls over the time from the first \
            client's start to the last one's end; p50 and p99 are over every call of every \
            client. For the queue, half the clients put and half get (one client runs as one \
            producer and one consumer), and an op is one item moved.

            Without --connect it starts its own manager (a temporary journal, stopped and removed \
            at the end). With --json it prints one line with the Python script's fields, plus \
            durability and inflight. Exits 69 when the manager cannot be started or reached, 70 \
            when a client fails.

            Use a release build for figures worth quoting.

            Examples:
              durablectl bench --op dict_set --clients 8 --total 40000
              durablectl bench --op queue --clients 4 --total 20000 --durability full --json
              durablectl bench --op lock --inflight 4 --total 20000 --connect unix:/tmp/jobs.sock --authkey-file ./authkey
            """
    )

    @Option(help: ArgumentHelp("The call to repeat: dict_set, dict_get, list_append, ns_set, lock (acquire and release) or queue.", valueName: "op"))
    var op: BenchOperation

    @Option(help: "Client processes, each with its own connection.")
    var clients = 1

    @Option(help: ArgumentHelp("Calls over all clients (queue: items moved).", valueName: "ops"))
    var total: Int

    @Option(help: ArgumentHelp("The socket family of the manager it starts: unix or tcp. (default: unix; with --connect, the address's)", valueName: "family"))
    var family: BenchFamily?

    @Option(help: ArgumentHelp("The durability of the manager it starts: full, normal or relaxed. (default: normal; with --connect, only reported)", valueName: "mode"))
    var durability: String?

    @Option(help: ArgumentHelp("Calls in flight per client: concurrent tasks sharing the client's one connection.", valueName: "calls"))
    var inflight = 1

    @Option(help: ArgumentHelp("Bench the manager already running at this address (unix:PATH or tcp:HOST:PORT) instead of starting one.", valueName: "address"))
    var connect: String?

    @Option(help: ArgumentHelp("With --connect, the manager's authkey file. (default: authkey in the state folder)", valueName: "path"))
    var authkeyFile: String?

    @Flag(help: "Print one JSON line instead of text.")
    var json = false

    /// Set by the parent when it starts a client process.
    @Option(help: .hidden)
    var worker: Int?

    /// The name prefix of the run's shared objects, passed to each client process.
    @Option(help: .hidden)
    var objects: String?

    func validate() throws {
        guard clients >= 1 else { throw ValidationError("--clients must be at least 1") }
        guard inflight >= 1 else { throw ValidationError("--inflight must be at least 1") }
        guard total >= plan.workerCount else {
            throw ValidationError("--total must be at least the number of client processes (\(plan.workerCount))")
        }
        if let durability, Durability(name: durability) == nil {
            throw ValidationError("--durability must be full, normal or relaxed")
        }
        if let connect {
            let address = try ManagerAddress(parsing: connect)
            if let family, family != BenchFamily(of: address) {
                throw ValidationError("--family \(family.rawValue) does not match --connect \(connect)")
            }
        }
        if let worker {
            guard connect != nil, authkeyFile != nil, objects != nil else {
                throw ValidationError("a bench worker needs --connect, --authkey-file and --objects")
            }
            guard (0..<plan.workerCount).contains(worker) else { throw ValidationError("--worker is out of range") }
        }
    }

    private var plan: BenchPlan {
        BenchPlan(operation: op, clients: clients, total: total, inflight: inflight)
    }

    func run() async throws {
        if let worker {
            try await runWorker(worker)
            return
        }
        try await reportingFailures {
            let target: BenchRun.Target
            if let connect {
                let folder = StateFolder.default
                target = .running(address: try ManagerAddress(parsing: connect), authkeyPath: authkeyFile ?? folder.authkeyPath)
            } else {
                target = .own(family: family ?? .unix, durability: durability ?? "normal")
            }
            do {
                let report = try await BenchRun(plan: plan, target: target, reportedDurability: durability).run()
                print(json ? report.json : report.text)
            } catch let error as BenchError {
                printError("durablectl: \(error.message)")
                throw ExitCode(error.exitCode)
            }
        }
    }

    /// One client process: any failure is one line on stderr, which the parent reports.
    private func runWorker(_ index: Int) async throws {
        do {
            try await BenchWorker(
                plan: plan, index: index, address: try ManagerAddress(parsing: connect ?? ""),
                authkeyPath: authkeyFile ?? "", objects: BenchObjects(prefix: objects ?? "")
            ).run()
        } catch let error as ManagerError {
            printError("\(error.code): \(error.message)")
            throw ExitCode(1)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
