import Foundation
import Proxies
import Testing

/// Calls survive the socket: a call whose connection drops, or whose manager is killed, is sent
/// again by the client under the same id and applied once; a script's call with an idempotency
/// key is applied once however often the script runs it.
///
/// CI kills the manager a few times; the full run:
///
///     EXACTLY_ONCE_CYCLES=30 swift test --filter ExactlyOnceTests
@Suite(.serialized)
struct ExactlyOnceTests {
    @Test(arguments: TestJournalBackend.available)
    func callsRetriedAcrossKillsAreEachAppliedOnceAndAllSucceed(on backend: TestJournalBackend) async throws {
        let cycles = environmentCount("EXACTLY_ONCE_CYCLES", default: 4)
        let manager = try await ManagerFixture.start(on: backend)
        let workers = try (1...3).map { try manager.client("exactly-once", "\($0)", "100000") }
        // The kills start once every worker is connected and working: a worker that cannot
        // connect at all is not what this test is about (and a loaded machine starts them late).
        var firstLines: [[String]] = []
        for worker in workers {
            firstLines.append(await worker.nextLine(timeout: .seconds(30)).map { [$0] } ?? [])
        }
        var kills = 0
        let started = ContinuousClock.now
        for _ in 0..<cycles {
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...600)))
            await manager.kill()
            try await manager.restart()
            kills += 1
        }
        // Let every worker make a few more calls on the last run, then stop them.
        try await Task.sleep(for: .milliseconds(300))
        var acknowledged: [String] = []
        for (worker, first) in zip(workers, firstLines) {
            worker.signal(SIGTERM)
            _ = await worker.waitForExit(timeout: .seconds(10))
            var lines = first
            while let line = await worker.nextLine(timeout: .seconds(5)) { lines.append(line) }
            #expect(!lines.contains { $0.hasPrefix("error") }, "\(lines.filter { $0.hasPrefix("error") }) \(worker.standardErrorText())")
            acknowledged += lines.filter { $0.hasPrefix("ack ") }.map { String($0.dropFirst(4)) }
        }
        let client = try await manager.connect()
        let list = try await client.list("eo-list", of: String.self).copy()
        let dict = try await client.dict("eo-dict", keys: String.self, values: Int.self)
        // No append applied twice, none acknowledged lost.
        #expect(Set(list).count == list.count, "duplicates: \(Dictionary(grouping: list, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted())")
        #expect(Set(acknowledged).isSubset(of: Set(list)))
        #expect(try await dict.count() >= acknowledged.count)
        print("exactly once (\(backend)): \(kills) kills in \(ContinuousClock.now - started), \(acknowledged.count) pairs acknowledged, \(list.count) appended, no call failed")
        await client.shutdown()
        await manager.stop()
    }

    @Test func aScriptedCallWithAnIdempotencyKeyIsAppliedOnceAcrossAKill() async throws {
        let manager = try await ManagerFixture.start()
        let connection = ["--connect", "\(manager.address)", "--authkey-file", manager.authkeyPath]
        let append = ["call", "--idempotency-key", "order-7"] + connection + ["list:orders", "append", #"{"order": 7}"#]
        for _ in 0..<2 {
            let run = try await DurablectlRun.run(append, home: manager.folder)
            #expect(run.status == 0 && run.output == "null", "\(run.summary)")
        }
        await manager.kill()
        try await manager.restart()
        let again = try await DurablectlRun.run(append, home: manager.folder)
        #expect(again.status == 0 && again.output == "null", "\(again.summary)")
        // Another key is another call.
        let other = try await DurablectlRun.run(["call", "--idempotency-key", "order-8"] + connection + ["list:orders", "append", #"{"order": 8}"#], home: manager.folder)
        #expect(other.status == 0, "\(other.summary)")
        let copy = try await DurablectlRun.run(["call"] + connection + ["orders", "copy"], home: manager.folder)
        #expect(copy.output == #"[{"order":7},{"order":8}]"#, "\(copy.summary)")
        // A take is remembered too: the retried pop answers the item it took the first time.
        let pop = ["call", "--idempotency-key", "pop-1"] + connection + ["orders", "pop", "0"]
        let first = try await DurablectlRun.run(pop, home: manager.folder)
        await manager.kill()
        try await manager.restart()
        let retried = try await DurablectlRun.run(pop, home: manager.folder)
        #expect(first.output == #"{"order":7}"# && retried.output == first.output, "\(first.summary)\n\(retried.summary)")
        let left = try await DurablectlRun.run(["call"] + connection + ["orders", "copy"], home: manager.folder)
        #expect(left.output == #"[{"order":8}]"#, "\(left.summary)")
        await manager.stop()
    }
}
