import Foundation
import Proxies
import Testing

/// `ping` against a real manager, one that does not answer, and progress on a terminal.
@Suite(.serialized)
struct OperatorCommandTests {
    @Test func pingPrintsItsFieldsAndGivesUpOnAManagerThatDoesNotAnswer() async throws {
        let manager = try await ManagerFixture.start()
        let connection = ["--connect", "\(manager.address)", "--authkey-file", manager.authkeyPath]
        let client = try await manager.connect()
        let status: DictProxy<String, Int> = try await client.dict("status")
        try await status.set("a", 1)

        let ping = try await DurablectlRun.run(["ping", "--json"] + connection, home: manager.folder)
        #expect(ping.status == 0, "\(ping.summary)")
        let fields = try ping.jsonObject()
        #expect(fields["address"] as? String == "\(manager.address)")
        #expect(jsonInt(fields["objects"]) == 1)
        // The test's client, and ping's own connection.
        #expect(jsonInt(fields["clients"]) == 2)
        #expect(jsonInt(fields["epoch"]) == 1)
        #expect((fields["uptime"] as? Double ?? -1) >= 0)
        let human = try await DurablectlRun.run(["ping"] + connection, home: manager.folder)
        #expect(human.lines.contains("objects: 1"), "\(human.summary)")

        // A stopped process still has its socket: only a timeout tells it does not answer.
        manager.process.signal(SIGSTOP)
        let started = ContinuousClock.now
        let silent = try await DurablectlRun.run(["ping", "--timeout", "1"] + connection, home: manager.folder)
        manager.process.signal(SIGCONT)
        #expect(silent.status == 69, "\(silent.summary)")
        #expect(silent.standardError.contains("did not answer within"), "\(silent.summary)")
        #expect(ContinuousClock.now - started < .seconds(10))
        await client.shutdown()
        await manager.stop()
    }

    @Test func verifyShowsProgressOnATerminalAndNothingExtraOtherwise() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let counts: DictProxy<String, Int> = try await client.dict("counts")
        for index in 0..<50 { try await counts.set("k\(index)", index) }
        // Killed, so that the records stay for verify to replay (a clean stop folds them in).
        await manager.kill()
        await client.shutdown()

        let piped = try await DurablectlRun.run(["verify", "--journal", manager.journalPath], home: manager.folder)
        #expect(piped.status == 0)
        #expect(piped.standardError.isEmpty, "\(piped.summary)")
        // script(1) gives the command a terminal; what it wrote to it comes back on stdout.
        let durablectl = ChildProcess.buildFolder.appendingPathComponent("durablectl").path
        let terminal = try ChildProcess("/usr/bin/script", [
            "-qec", "\(durablectl) verify --journal \(manager.journalPath) --json", "/dev/null",
        ], environment: ["DURABLE_MANAGER_HOME": manager.folder])
        var seen = ""
        while let line = await terminal.nextLine(timeout: .seconds(30)) { seen += line + "\n" }
        #expect(await terminal.waitForExit() == 0)
        #expect(seen.contains("replaying: "), "\(seen)")
        #expect(seen.contains(#""ok":true"#), "\(seen)")
        await manager.stop()
    }
}
