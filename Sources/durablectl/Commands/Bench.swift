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

            It also reports CPU per op (the queue: per item moved) over the timed calls: the \
            clients' (each process's getrusage, user and system, added up) and the manager's (its \
            process CPU clock; with --connect, when the manager runs on this machine, found by \
            its socket); and what the manager's journal did meanwhile: records committed, and \
            commits and fsyncs when the manager's ping reply counts them.

            Without --connect it starts its own manager (a temporary journal, stopped and removed \
            at the end). With --json it prints one line with the Python script's fields, plus \
            durability, inflight, client_cpu_us_per_op, client_user_us_per_op, \
            client_sys_us_per_op, client_cpu_secs, manager_cpu_us_per_op and manager_cpu_secs \
            (null when unknown), and journal_records, journal_commits, journal_fsyncs and \
            records_per_commit when counted. Exits 69 when the manager cannot be started or \
            reached, 70 when a client fails.

            Use a release build for figures worth quoting; scripts/bench-compare.sh puts them \
            beside Python's manager and Redis.

            Examples:
              durablectl bench --op dict_set --clients 8 --total 40000
              durablectl bench --op queue --clients 4 --total 20000 --durability full --json
              durablectl bench --op lock --inflight 4 --total 20000 --connect unix:/tmp/jobs.sock --authkey-file ./authkey
              durablectl bench --op call --manager ./jobs-manager --type Counter --method increment --total 20000
            """
    )

    @Option(help: ArgumentHelp("The call to repeat: dict_set, dict_get, list_append, ns_set, lock (acquire and release), queue, or call (--method on an object of --type).", valueName: "op"))
    var op: BenchOperation

    @Option(help: ArgumentHelp("With --op call: the type of the object called, which the run creates (named) once.", valueName: "type"))
    var type: String?

    @Option(help: ArgumentHelp("With --op call: the method called.", valueName: "method"))
    var method: String?

    @Option(name: .customLong("argument"), help: ArgumentHelp("With --op call: an argument, as JSON; repeat for several.", valueName: "json"))
    var arguments: [String] = []

    @Option(help: ArgumentHelp("Start this manager executable (a custom manager, which takes serve's options) instead of durablectl serve.", valueName: "path"))
    var manager: String?

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
            // It measures one manager's process (its CPU time, its socket): no failover list.
            let addresses = try ManagerAddress.list(parsing: connect)
            guard let address = addresses.first, addresses.count == 1 else {
                throw ValidationError("bench measures one manager: give --connect one address, not \(addresses.count)")
            }
            if let family, family != BenchFamily(of: address) {
                throw ValidationError("--family \(family.rawValue) does not match --connect \(connect)")
            }
        }
        if op == .call {
            guard type != nil, method != nil else { throw ValidationError("--op call needs --type and --method") }
            _ = try callArguments()
        } else if type != nil || method != nil || !arguments.isEmpty {
            throw ValidationError("--type, --method and --argument go with --op call")
        }
        if manager != nil, connect != nil { throw ValidationError("--manager starts a manager; --connect uses a running one: give one of them") }
        if let worker {
            guard connect != nil, authkeyFile != nil, objects != nil else {
                throw ValidationError("a bench worker needs --connect, --authkey-file and --objects")
            }
            guard (0..<plan.workerCount).contains(worker) else { throw ValidationError("--worker is out of range") }
        }
    }

    private var plan: BenchPlan {
        let call = type.map { BenchPlan.Call(typeID: $0, method: method ?? "", arguments: (try? callArguments()) ?? []) }
        return BenchPlan(operation: op, clients: clients, total: total, inflight: inflight, call: call)
    }

    /// The `--argument` values; one that is not JSON is a usage error.
    private func callArguments() throws -> [Value] {
        try arguments.map { text in
            do {
                return try Value(json: text)
            } catch {
                throw ValidationError("--argument \(text) is not a JSON value (\(error)); quote strings as '\"text\"'")
            }
        }
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
                target = .own(family: family ?? .unix, durability: durability ?? "normal", executable: manager)
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
