import DurableWire
import Foundation
import Proxies
import Testing

/// Custom managers as real processes: the seed's example, the durable counter example, the job
/// coordination example, and a custom manager (Tests/TestManager) used through the automatic
/// proxy, a typed proxy and `durablectl`.
@Suite(.serialized)
struct CustomManagerTests {
    /// A typed proxy over the handle, as a user writes one for their type.
    struct TallyProxy: SharedObjectProxy {
        static let typeID = "Tally"
        let handle: ProxyHandle
        init(handle: ProxyHandle) { self.handle = handle }

        func add(_ note: String) async throws -> Int {
            try await handle.call("add", note, returning: Int.self)
        }

        func notes() async throws -> [String] {
            try await handle.call("notes", returning: [String].self)
        }
    }

    /// Every line `executable` prints until it exits, and its exit status.
    private func runToEnd(_ executable: String) async throws -> (lines: [String], status: Int32) {
        let child = try ChildProcess(executable, [], captureStandardError: true)
        var lines: [String] = []
        while let line = await child.nextLine(timeout: .seconds(60)) { lines.append(line) }
        return (lines, await child.waitForExit())
    }

    @Test func theSeedExamplePrintsBarAndBazFromTheManager() async throws {
        let run = try await runToEnd("seed-example")
        #expect(run.status == 0)
        #expect(run.lines == ["BAR", "BAZ"])
    }

    @Test func theDurableCounterExampleSurvivesASigkill() async throws {
        let run = try await runToEnd("durable-counter-example")
        #expect(run.status == 0)
        #expect(run.lines.contains("counter after 3 increments: 3"))
        #expect(run.lines.contains { $0.hasPrefix("killed the manager") })
        #expect(run.lines.contains("counter after the restart: 3"))
        #expect(run.lines.contains("counter after one more increment: 4"))
    }

    @Test func theJobCoordinationExampleCompletesEveryJobThroughAWorkerKillAndAManagerKill() async throws {
        let run = try await runToEnd("job-coordination-example")
        #expect(run.status == 0, "\(run.lines.joined(separator: "\n"))")
        #expect(run.lines.contains { $0.hasPrefix("worker-1: killed with SIGKILL while it held job") })
        #expect(run.lines.contains("manager: started again on the same journal"))
        #expect(run.lines.contains("jobs taken: 41, jobs finished: 40, results recorded: 40"))
        #expect(run.lines.contains { $0.hasPrefix("jobs delivered more than once: ") && !$0.hasSuffix("none") })
        #expect(run.lines.last == "every job completed with its right answer; nothing queued, leased or dead")
    }

    @Test func theAutomaticProxyCallsAnyExposedMethodAndIsRefusedTheRest() async throws {
        let manager = try await ManagerFixture.start(executable: "durable-test-manager")
        let client = try await manager.connect()
        let greeter = try await client.create("Greeter")
        #expect(greeter.typeID == "Greeter")
        #expect(try await greeter.call("greet", "Ada", returning: String.self) == "hello, Ada")
        #expect(try await greeter.callMethod("greet", ["Bob"]) == "hello, Bob")
        do {
            _ = try await greeter.callMethod("shout", [])
            Issue.record("a method Greeter does not expose was called")
        } catch {
            #expect(error.code == .notExposed)
            #expect(error.message.contains("Greeter does not expose 'shout'"))
        }
        // method_to_typeid: the result stays in the manager and comes back as a proxy.
        let tally = try await greeter.call("tally", returning: AutoProxy.self)
        #expect(tally.typeID == "Tally")
        #expect(try await tally.call("add", "first", returning: Int.self) == 1)
        let typed = try await greeter.call("tally", returning: TallyProxy.self)
        #expect(try await typed.add("other") == 1)
        #expect(try await tally.call("count", returning: Int.self) == 1)
        // Only the built-ins the manager keeps.
        await #expect(throws: ManagerError.self) { _ = try await client.create("Queue") }
        let dict: DictProxy<String, Int> = try await client.dict()
        try await dict.set("a", 1)
        #expect(try await dict["a"] == 1)
        await client.shutdown()
        await manager.stop()
    }

    @Test func aDurableCustomObjectComesBackAfterASigkillAndDurablectlShowsIt() async throws {
        let manager = try await ManagerFixture.start(executable: "durable-test-manager")
        let client = try await manager.connect()
        let tally = try await client.open(TallyProxy.self, name: "visits")
        #expect(try await tally.add("one") == 1)
        #expect(try await tally.add("two") == 2)
        // In memory only: a Greeter is not journaled.
        _ = try await client.create("Greeter", name: "greeter")
        await manager.kill()
        await client.shutdown()

        let objects = try await DurablectlRun.run(["objects", "--journal", manager.journalPath, "--json"], home: manager.folder)
        let listed = try #require(try objects.json() as? [[String: Any]], "\(objects.summary)")
        #expect(listed.map { $0["type"] as? String } == ["Tally"])
        let shown = try await DurablectlRun.run(["show", "visits", "--journal", manager.journalPath], home: manager.folder)
        #expect(shown.output == #"{"count":2,"notes":["one","two"]}"#, "\(shown.summary)")
        let records = try await DurablectlRun.run(["journal", "--journal", manager.journalPath, "--object", "visits", "--json"], home: manager.folder)
        #expect(records.lines.count == 3, "\(records.summary)")
        #expect(records.lines.last?.contains(#""op":"add","args":[["two"],{"count":2,"notes":["one","two"]}]"#) == true, "\(records.summary)")

        try await manager.restart()
        let again = try await manager.connect()
        let restored = try await again.open(TallyProxy.self, name: "visits")
        #expect(try await restored.notes() == ["one", "two"])
        #expect(try await restored.add("three") == 3)
        await again.shutdown()
        await manager.kill()

        // durablectl's checkpoint, export and import carry a custom object's recorded state.
        let checkpoint = try await DurablectlRun.run(["checkpoint", "--journal", manager.journalPath], home: manager.folder)
        #expect(checkpoint.status == 0, "\(checkpoint.summary)")
        let backup = manager.folder + "/backup.json"
        let export = try await DurablectlRun.run(["export", "--journal", manager.journalPath, "--output", backup], home: manager.folder)
        #expect(export.status == 0, "\(export.summary)")
        let copy = manager.folder + "/copy.sqlite"
        let imported = try await DurablectlRun.run(["import", backup, "--journal", copy], home: manager.folder)
        #expect(imported.status == 0, "\(imported.summary)")
        for journal in [manager.journalPath, copy] {
            let served = try await ManagerFixture.start(journalPath: journal, executable: "durable-test-manager")
            let reader = try await served.connect()
            #expect(try await reader.open(TallyProxy.self, name: "visits").notes() == ["one", "two", "three"], "\(journal)")
            await reader.shutdown()
            await served.stop()
        }
        await manager.stop()
    }

    @Test func aFullJournalRefusesACustomCallAndLosesNothing() async throws {
        let manager = try await ManagerFixture.start(extraArguments: ["--journal-max-pages", "120"], executable: "durable-test-manager")
        let client = try await manager.connect()
        let tally = try await client.open(TallyProxy.self, name: "log")
        var acknowledged: [String] = []
        var failure: ManagerError?
        for round in 0..<500 {
            let note = "\(round):" + String(repeating: "x", count: 1000)
            do {
                _ = try await tally.add(note)
                acknowledged.append(note)
            } catch let error as ManagerError {
                failure = error
                break
            }
        }
        let error = try #require(failure, "the journal never filled up")
        #expect(error.code == .journalFailure)
        #expect(acknowledged.count > 3, "the journal filled up before it held anything")
        // The object is what the journal says: the refused note is not in it.
        #expect(try await tally.notes() == acknowledged)
        // A checkpoint frees the journal's pages: writes work again.
        try await client.checkpoint()
        #expect(try await tally.add("after") == acknowledged.count + 1)
        await client.shutdown()
        await manager.kill()
        try await manager.restart()
        let again = try await manager.connect()
        #expect(try await again.open(TallyProxy.self, name: "log").notes() == acknowledged + ["after"])
        await again.shutdown()
        await manager.stop()
    }
}
