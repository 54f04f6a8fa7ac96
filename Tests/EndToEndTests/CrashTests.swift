// The crash test: real client processes mutate a dict, a list, a queue and a Namespace with
// unique, recorded values while the manager is killed with SIGKILL at random moments and started
// again on the same journal; after each restart everything acknowledged must be there, once.
//
// CI runs a few cycles (CRASH_CYCLES, default 5). The full run:
//
//     CRASH_CYCLES=30 swift test --filter CrashTests
//
// How it stays exact: after each (re)connect every client pauses on the Event `crash-go`, which
// a restarted manager has unset (events live in memory), so the state is read while nothing
// changes it; after a kill the test reads each client's output up to its "lost ..." line, so
// the ledger holds every acknowledgement given before the kill. A call in flight at the kill
// ("lost ...") may or may not have been applied; a lost get may have taken an item it could not
// deliver, so at the end as many acknowledged puts as gets were lost may be missing, no more.
//
// On a violation the test keeps the manager's folder (journal, and transcript.txt with every
// line the clients printed) and names it.
import DurableWire
import Foundation
import Proxies
import Testing

@Suite(.serialized)
struct CrashTests {
    @Test func acknowledgedMutationsSurviveSIGKILLAtRandomMoments() async throws {
        let cycles = environmentCount("CRASH_CYCLES", default: 5)
        let outcome = try await runCrashCycles(cycles: cycles, workers: 3)
        #expect(outcome.problems.isEmpty)
        // The load did run: every worker got calls through, and the consumer took items.
        for worker in 1...3 {
            #expect(outcome.acknowledgedPerWorker["w\(worker)", default: 0] > 0, "worker \(worker) never got a call acknowledged")
        }
        #expect(outcome.ledger.gets.count > 0, "the consumer never took an item")
    }
}

struct CrashOutcome {
    var problems: [String]
    var ledger: CrashLedger
    var acknowledgedPerWorker: [String: Int]
    var folder: String
    /// Every manager process of the run, the first one first: their stderr, when captured.
    var managers: [ChildProcess]
}

/// Starts a manager (with `extraArguments`), `workers` crash workers and one consumer, then
/// `cycles` times: lets the load run 50-400 ms (random), SIGKILLs the manager, waits until every
/// client noticed, restarts the manager on the same journal and checks the state against the
/// ledger (the last time with the clients dead and the queue drained). Stops at the first cycle
/// with violations, records each as an issue and keeps the folder.
func runCrashCycles(
    cycles: Int, workers: Int, extraArguments: [String] = [], logLevel: String = "warning",
    captureStandardError: Bool = false, journalPath: String? = nil
) async throws -> CrashOutcome {
    let started = ContinuousClock.now
    let manager = try await ManagerFixture.start(
        extraArguments: extraArguments, logLevel: logLevel, captureStandardError: captureStandardError, journalPath: journalPath
    )
    let run: CrashRun
    do {
        run = try CrashRun(manager: manager, workers: workers)
    } catch {
        await manager.stop()
        throw error
    }
    var problems: [String] = []
    var managers = [manager.process]
    do {
        try await run.waitUntilConnected()
        problems = try await run.violations(final: false)
        try await run.resume()
        var cycle = 1
        while problems.isEmpty, cycle <= cycles {
            let last = cycle == cycles
            let load = Int.random(in: 50...400)
            run.note("cycle \(cycle): resumed, \(load) ms of load")
            try await Task.sleep(for: .milliseconds(load))
            await manager.kill()
            run.note("cycle \(cycle): killed manager pid \(manager.pid)")
            try await run.waitUntilKillNoticed()
            if last { await run.stopClients() }
            try await manager.restart()
            run.note("cycle \(cycle): restarted as pid \(manager.pid)")
            managers.append(manager.process)
            if !last { try await run.waitUntilConnected() }
            problems = try await run.violations(final: last).map { "after kill \(cycle) of \(cycles) (\(load) ms of load): \($0)" }
            if !problems.isEmpty || last { break }
            try await run.resume()
            cycle += 1
        }
    } catch {
        await run.stopClients()
        await manager.stop()
        throw error
    }
    await run.stopClients()
    if problems.isEmpty {
        await manager.stop()
    } else {
        // SIGKILL, not a clean stop: its final checkpoint would drop the journal's records.
        await manager.kill()
        for problem in problems.prefix(50) { Issue.record(Comment(rawValue: problem)) }
        let transcript = manager.folder + "/transcript.txt"
        try? (run.transcript + problems.map { "violation: \($0)" }).joined(separator: "\n").write(toFile: transcript, atomically: true, encoding: .utf8)
        Issue.record("\(problems.count) violations; the journal is kept at \(manager.journalPath), what every client said at \(transcript)")
    }
    let ledger = run.ledger
    print("crash cycles: \(cycles) kills in \(ContinuousClock.now - started); \(ledger.dictSets.count) dict sets, \(ledger.appends.count) appends, \(ledger.puts.count) puts, \(ledger.gets.count) gets acknowledged; \(ledger.lost) calls lost with a connection")
    return CrashOutcome(problems: problems, ledger: ledger, acknowledgedPerWorker: run.acknowledgedPerWorker(), folder: manager.folder, managers: managers)
}
