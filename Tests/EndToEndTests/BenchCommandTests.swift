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
