import Foundation
import Testing

/// `durablectl bench` as a script runs it: real manager and client processes, one JSON line.
@Suite(.serialized)
struct BenchCommandTests {
    @Test func dictSetWithTwoClientsPrintsOneJSONLineWithEveryField() async throws {
        let report = try await bench(["--op", "dict_set", "--clients", "2", "--total", "400"])
        #expect(report["bench"] as? String == "durablemanager")
        #expect(report["op"] as? String == "dict_set")
        #expect(report["clients"] as? Int == 2)
        #expect(report["family"] as? String == "unix")
        #expect(report["durability"] as? String == "normal")
        #expect(report["inflight"] as? Int == 1)
        #expect(report["ops"] as? Int == 400)
        let seconds = try #require(report["secs"] as? Double)
        let opsPerSecond = try #require(report["ops_per_s"] as? Double)
        #expect(seconds > 0)
        #expect(abs(opsPerSecond - 400 / seconds) <= max(1, opsPerSecond * 0.01))
        let p50 = try #require(report["p50_us"] as? Double)
        let p99 = try #require(report["p99_us"] as? Double)
        #expect(report["mean_us"] is Double)
        #expect(p50 > 0 && p50 <= p99)
        expectCPUFields(report, managerKnown: true)
        // Each set is one record, and the warm-up's were committed before the clock started.
        #expect(report["journal_records"] as? Int == 400)
        expectCommitCountsConsistent(report)
    }

    @Test func textOutputShowsClientAndManagerCPUAndTheJournal() async throws {
        let process = try ChildProcess("durablectl", ["bench", "--op", "list_append", "--clients", "2", "--total", "200"], captureStandardError: true)
        var lines: [String] = []
        while let line = await process.nextLine(timeout: .seconds(60)) { lines.append(line) }
        #expect(await process.waitForExit() == 0, "\(process.standardErrorText())")
        let client = try #require(lines.first { $0.hasPrefix("  client CPU: ") }, "\(lines)")
        #expect(client.contains(" us/op (user "), "\(client)")
        #expect(client.contains(", system "), "\(client)")
        #expect(client.hasSuffix(" over 2 processes"), "\(client)")
        let manager = try #require(lines.first { $0.hasPrefix("  manager CPU: ") }, "\(lines)")
        #expect(manager.contains(" us/op, "), "\(manager)")
        let journal = try #require(lines.first { $0.hasPrefix("  journal: ") }, "\(lines)")
        #expect(journal.hasPrefix("  journal: 200 records"), "\(journal)")
    }

    @Test func connectFindsAManagerOfThisMachineByItsUnixSocketAndByTCP() async throws {
        let fixture = try await ManagerFixture.start(extraArguments: ["--listen", "tcp:127.0.0.1:0"])
        for address in [fixture.address, try fixture.tcpAddress()] {
            let report = try await bench([
                "--op", "ns_set", "--clients", "2", "--total", "200", "--connect", "\(address)", "--authkey-file", fixture.authkeyPath,
            ])
            expectCPUFields(report, managerKnown: true)
            // One record per call, and maybe one of the run before it ending its session.
            #expect((200...202).contains(report["journal_records"] as? Int ?? 0), "\(address)")
            #expect(report["durability"] as? String == "unknown")
        }
        await fixture.stop()
    }

    @Test func queueWithTwoClientsMovesEveryItemAndReportsPutAndGetApart() async throws {
        let report = try await bench(["--op", "queue", "--clients", "2", "--total", "200", "--durability", "relaxed", "--inflight", "2"])
        #expect(report["op"] as? String == "queue")
        #expect(report["clients"] as? Int == 2)
        #expect(report["durability"] as? String == "relaxed")
        #expect(report["inflight"] as? Int == 2)
        #expect(report["producers"] as? Int == 1)
        #expect(report["consumers"] as? Int == 1)
        #expect(report["ops"] as? Int == 200)
        for field in ["secs", "ops_per_s", "p50_us", "p99_us", "mean_us", "put_p50_us", "put_p99_us", "put_mean_us",
                      "get_p50_us", "get_p99_us", "get_mean_us"] {
            #expect(report[field] is Double, "missing \(field)")
        }
        expectCPUFields(report, managerKnown: true)
        // Records committed while the run was timed: `relaxed` commits up to 100 ms late, so
        // some of the warm-up's fall in and some of the run's fall out.
        #expect((report["journal_records"] as? Int ?? 0) > 0)
    }

    @Test func callBenchesAnyMethodOfACustomManagersType() async throws {
        let manager = ChildProcess.buildFolder.appendingPathComponent("durable-test-manager").path
        let report = try await bench([
            "--op", "call", "--manager", manager, "--type", "Tally", "--method", "add", "--argument", #""note""#,
            "--clients", "2", "--total", "200",
        ])
        #expect(report["op"] as? String == "call")
        #expect(report["ops"] as? Int == 200)
        #expect((report["p50_us"] as? Double ?? 0) > 0)
        // The built-ins through the same path.
        let dict = try await bench(["--op", "call", "--type", "dict", "--method", "__setitem__", "--argument", #""k""#, "--argument", "1", "--total", "100"])
        #expect(dict["ops"] as? Int == 100)
    }

    @Test func callWithoutATypeOrWithAnArgumentThatIsNotJSONIsAUsageError() async throws {
        for arguments in [["--op", "call", "--total", "10"], ["--op", "call", "--type", "dict", "--method", "get", "--argument", "not json", "--total", "10"]] {
            let process = try ChildProcess("durablectl", ["bench"] + arguments, captureStandardError: true)
            #expect(await process.waitForExit() == 64)
            #expect(process.standardErrorText().contains("--"), "\(process.standardErrorText())")
        }
    }

    @Test func aManagerThatCannotBeReachedIsOneLineOnStderrAndExit69() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bench-e2e-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = FileManager.default.createFile(atPath: folder + "/authkey", contents: Data(repeating: 7, count: 32), attributes: [.posixPermissions: 0o600])
        let process = try ChildProcess(
            "durablectl",
            ["bench", "--op", "dict_set", "--total", "10", "--connect", "unix:\(folder)/nobody.sock", "--authkey-file", folder + "/authkey"],
            captureStandardError: true
        )
        #expect(await process.nextLine() == nil)
        #expect(await process.waitForExit() == 69)
        let lines = process.standardErrorText().split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("nobody.sock") == true)
    }

    /// The CPU per op of the clients (all, user, system) and of the manager: there, finite, and
    /// more than nothing where a whole run of calls must have cost some.
    private func expectCPUFields(_ report: [String: Any], managerKnown: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        for field in ["client_cpu_us_per_op", "client_user_us_per_op", "client_cpu_secs"] + (managerKnown ? ["manager_cpu_us_per_op", "manager_cpu_secs"] : []) {
            let value = report[field] as? Double
            #expect(value.map { $0.isFinite && $0 > 0 } == true, "\(field): \(String(describing: report[field]))", sourceLocation: sourceLocation)
        }
        let system = report["client_sys_us_per_op"] as? Double
        #expect(system.map { $0.isFinite && $0 >= 0 } == true, "client_sys_us_per_op", sourceLocation: sourceLocation)
        if let all = report["client_cpu_us_per_op"] as? Double, let user = report["client_user_us_per_op"] as? Double, let system {
            #expect(abs(all - user - system) <= 0.02, "user and system add up to the whole", sourceLocation: sourceLocation)
        }
        guard let ops = report["ops"] as? Int, let seconds = report["secs"] as? Double,
              let clientPerOp = report["client_cpu_us_per_op"] as? Double, let clientSeconds = report["client_cpu_secs"] as? Double
        else { return }
        // The per-op figure is the total over the ops, not some other division.
        #expect(abs(clientPerOp * Double(ops) / 1e6 - clientSeconds) <= 0.001 + clientSeconds * 0.01, sourceLocation: sourceLocation)
        // No process can use more CPU than the machine has over the run: figures beyond that
        // would be a clock read wrong (ticks for microseconds, a window not the run's). The manager's
        // window also holds the go signals and the results' return, hence the slack.
        let managerSeconds = report["manager_cpu_secs"] as? Double ?? 0
        let machine = Double(ProcessInfo.processInfo.activeProcessorCount) * seconds
        #expect(clientSeconds + managerSeconds <= machine * 1.5 + 0.25,
                "client \(clientSeconds) s + manager \(managerSeconds) s of CPU in \(seconds) s", sourceLocation: sourceLocation)
    }

    /// Commits and fsyncs appear only when the manager counts them; then they agree with the records.
    private func expectCommitCountsConsistent(_ report: [String: Any]) {
        guard let commits = report["journal_commits"] as? Int else {
            #expect(report["records_per_commit"] == nil)
            return
        }
        let records = report["journal_records"] as? Int ?? 0
        #expect(commits > 0 && commits <= records)
        let perCommit = try? #require(report["records_per_commit"] as? Double)
        #expect(perCommit.map { abs($0 - Double(records) / Double(commits)) <= 0.01 } == true)
    }

    /// Runs `durablectl bench ... --json` and parses its one line of output.
    private func bench(_ arguments: [String]) async throws -> [String: Any] {
        let process = try ChildProcess("durablectl", ["bench"] + arguments + ["--json"], captureStandardError: true)
        let line = await process.nextLine(timeout: .seconds(60))
        #expect(await process.nextLine(timeout: .seconds(10)) == nil, "more than one line of output")
        let status = await process.waitForExit()
        #expect(status == 0, "exit status \(status): \(process.standardErrorText())")
        let text = try #require(line, "no output: \(process.standardErrorText())")
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(text)")
    }
}
