import Foundation
import Proxies
import Testing

/// A WorkQueue under SIGKILL: four producer processes put unique jobs and four worker processes
/// take and ack them, all with the library's own reconnection and retries, while the manager is
/// killed at random moments and started again on its journal. Then the producers stop, the
/// workers drain the queue, and every job whose put was acknowledged must have been acked
/// exactly once, under one tag that no other ack used, with nothing left queued, leased or dead.
///
/// CI kills the manager a few times; the full run:
///
///     scripts/crash-workqueue.sh          # WORKQUEUE_CRASH_CYCLES=30
@Suite(.serialized)
struct WorkQueueCrashTests {
    @Test(arguments: TestJournalBackend.available)
    func everyAcknowledgedPutIsAckedExactlyOnceAcrossKills(on backend: TestJournalBackend) async throws {
        let cycles = environmentCount("WORKQUEUE_CRASH_CYCLES", default: 3)
        let manager = try await ManagerFixture.start(on: backend)
        func role(_ role: String, _ arguments: String...) throws -> ChildProcess {
            try ChildProcess(
                "durable-test-client", ["\(manager.address)", manager.authkeyPath, role] + arguments,
                standardInputPipe: true, captureStandardError: true
            )
        }
        let producers = try (1...4).map { try role("wq-produce", "\($0)") }
        let workers = try (1...4).map { _ in try role("wq-work") }
        let started = ContinuousClock.now
        for _ in 0..<cycles {
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...600)))
            await manager.kill()
            try await manager.restart()
        }
        try await Task.sleep(for: .milliseconds(300))

        // Producers stop between two puts, then workers once the queue is empty: no call is in
        // flight when a process ends, so its output says all it did.
        var puts: [String] = []
        for producer in producers {
            producer.closeStandardInput()
            #expect(await producer.waitForExit(timeout: .seconds(60)) == 0, "\(producer.standardErrorText())")
            var lines: [String] = []
            while let line = await producer.nextLine(timeout: .seconds(5)) { lines.append(line) }
            #expect(lines.last?.hasPrefix("produced ") == true, "a producer ended with \(lines.last ?? "nothing")")
            puts += lines.filter { $0.hasPrefix("put ") }.map { String($0.dropFirst(4)) }
        }
        var acks: [(item: String, tag: String)] = []
        var refused = 0, redelivered = 0
        for worker in workers {
            worker.closeStandardInput()
            #expect(await worker.waitForExit(timeout: .seconds(120)) == 0, "\(worker.standardErrorText())")
            var lines: [String] = []
            while let line = await worker.nextLine(timeout: .seconds(5)) { lines.append(line) }
            #expect(lines.last == "idle", "a worker ended with \(lines.last ?? "nothing")")
            for line in lines {
                let words = line.split(separator: " ").map(String.init)
                switch words.first {
                case "acked": acks.append((words[1], words[3]))
                case "refused": refused += 1
                case "took" where words[5] != "1": redelivered += 1
                default: break
                }
            }
        }

        let ackedItems = Dictionary(grouping: acks, by: \.item)
        let putItems = Set(puts)
        #expect(putItems.count == puts.count, "a put was acknowledged twice")
        let twice = ackedItems.filter { $0.value.count > 1 }.keys.sorted()
        #expect(twice.isEmpty, "jobs acked more than once: \(twice.prefix(20))")
        let missing = putItems.subtracting(ackedItems.keys).sorted()
        #expect(missing.isEmpty, "acknowledged puts never acked: \(missing.prefix(20))")
        let unknown = Set(ackedItems.keys).subtracting(putItems).sorted()
        // A producer stops only after its put returned, so every job acked was a put acknowledged.
        #expect(unknown.isEmpty, "jobs acked that no acknowledged put made: \(unknown.prefix(20))")
        let tags = acks.map(\.tag)
        #expect(Set(tags).count == tags.count, "a tag was acked twice")

        let client = try await manager.connect()
        let jobs = try await client.workQueue("wq-jobs", of: String.self)
        #expect(try await jobs.qsize() == 0)
        #expect(try await jobs.leased().isEmpty)
        #expect(try await jobs.dead().isEmpty)
        print("workqueue crash: \(cycles) kills in \(ContinuousClock.now - started); \(puts.count) puts acknowledged, \(acks.count) acks, \(redelivered) deliveries past the first, \(refused) acks refused (lease ended)")
        await client.shutdown()
        await manager.stop()
    }
}
