// A WorkQueue between real processes: a worker killed while it holds a job, a lease that runs
// out, a job that fails until it is dead, a manager killed with jobs out, and what durablectl
// sees of it all.
import DurableWire
import Foundation
import Proxies
import Testing

@Suite(.serialized)
struct WorkQueueProcessesTests {
    @Test func aJobHeldByAKilledWorkerIsRedeliveredAfterTheGracePeriod() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        // A lease of an hour: only the end of the worker's session can bring the job back.
        let jobs = try await client.workQueue("jobs", of: String.self, lease: .seconds(3600))
        try await jobs.put("job-1")
        let worker = try manager.client("take-job", "jobs")
        #expect(await worker.nextLine() == "took job-1 tag 1 deliveries 1")
        #expect(try await jobs.qsize() == 0)
        // Timed from before the kill: the manager sees the connection close at once, while
        // waiting for the process to be reaped can take a while on a loaded machine.
        let killed = ContinuousClock.now
        worker.signal(SIGKILL)
        await worker.waitForExit()
        let again = try await jobs.take(timeout: .seconds(20))
        // The fixture's grace period is half a second.
        #expect(ContinuousClock.now - killed >= .milliseconds(400))
        #expect(again.item == "job-1" && again.deliveries == 2 && again.tag == 2)
        try await jobs.ack(again.tag)
        #expect(try await jobs.leased().isEmpty)
        #expect(try await jobs.dead().isEmpty)
        await client.shutdown()
        await manager.stop()
    }

    @Test func aLeaseThatExpiresIsRedeliveredWhileItsWorkerLives() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        // Long enough that the lease is still out when the test reads it on a loaded machine
        // (a full run's 77 suites on 2 cores once took over 3 s to pass the worker's line on).
        let jobs = try await client.workQueue("slow", of: String.self, lease: .seconds(8))
        try await jobs.put("job-1")
        let worker = try manager.client("take-job", "slow")
        #expect(await worker.nextLine() == "took job-1 tag 1 deliveries 1")
        let leases = try await jobs.leased()
        #expect(leases.count == 1 && leases.first?.duration == .seconds(8))
        #expect(leases.first.map { $0.expiresIn <= .seconds(8) } == true)
        let again = try await jobs.take(timeout: .seconds(20))
        #expect(again.item == "job-1" && again.deliveries == 2)
        try await jobs.ack(again.tag)
        worker.signal(SIGKILL)
        await worker.waitForExit()
        await client.shutdown()
        await manager.stop()
    }

    @Test func maxDeliveriesSendsAFailingJobToTheDeadLetters() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let jobs = try await client.workQueue("flaky", of: String.self, maxDeliveries: 2)
        try await jobs.put("bad")
        let failing = try manager.client("fail-jobs", "flaky", "2")
        #expect(await failing.nextLine() == "failed bad")
        #expect(await failing.nextLine() == "failed bad")
        #expect(await failing.waitForExit() == 0)
        let dead = try await jobs.dead()
        #expect(dead.count == 1 && dead.first?.item == "bad" && dead.first?.deliveries == 2 && dead.first?.reason == "nacked")
        #expect(try await jobs.qsize() == 0)

        // The operator sees the dead letter, from the manager and from the journal.
        for source in [[], ["--from-journal"]] {
            let show = try await DurablectlRun.run(["show", "flaky"] + source, home: manager.folder)
            let state = try #require(try show.json() as? [String: Any], "\(show.summary)")
            let letters = try #require(state["dead"] as? [[String: Any]], "\(show.summary)")
            #expect(letters.count == 1 && letters.first?["item"] as? String == "bad" && letters.first?["reason"] as? String == "nacked", "\(show.summary)")
        }
        let objects = try await DurablectlRun.run(["objects"], home: manager.folder)
        let row = try #require(objects.lines.first { $0.contains("flaky") }, "\(objects.summary)")
        #expect(row.contains("WorkQueue") && row.contains("1 dead"), "\(objects.summary)")

        #expect(try await jobs.requeueDead() == 1)
        let working = try manager.client("work-jobs", "flaky", "1")
        #expect(await working.nextLine() == "done bad")
        #expect(await working.waitForExit() == 0)
        #expect(try await jobs.qsize() == 0)
        #expect(try await jobs.leased().isEmpty)
        #expect(try await jobs.dead().isEmpty)
        await client.shutdown()
        await manager.stop()
    }

    @Test func aManagerKilledWithJobsOutLosesAndRepeatsNone() async throws {
        // The session must be back before its grace period ends, or its lease rightly ends with
        // it: ten seconds leave room for a reconnect on a loaded CI machine.
        let manager = try await ManagerFixture.start(extraArguments: ["--session-grace", "10"])
        let client = try await manager.connect()
        let jobs = try await client.workQueue("crash-jobs", of: String.self, lease: .seconds(600))
        for job in ["j1", "j2", "j3", "j4"] { try await jobs.put(job) }
        let held = try await jobs.take()
        try await jobs.ack(try await jobs.take().tag)
        let failed = try await jobs.take()
        try await jobs.nack(failed.tag)
        await manager.kill()
        try await manager.restart()
        // The same session, reconnected by itself, still holds its lease and acks it.
        try await jobs.ack(held.tag)
        #expect(try await jobs.leased().isEmpty)
        let third = try await jobs.take()
        #expect(third.item == "j3" && third.deliveries == 2 && third.tag == 4)
        try await jobs.ack(third.tag)
        let fourth = try await jobs.take()
        #expect(fourth.item == "j4" && fourth.deliveries == 1)
        try await jobs.ack(fourth.tag)
        #expect(try await jobs.tryTake() == nil)
        #expect(try await jobs.dead().isEmpty)
        await client.shutdown()
        await manager.stop()
    }

    @Test func durablectlCallsAWorkQueueAndSeesItsLeaseEndWithItsSession() async throws {
        // A grace period that outlasts the next few commands on a loaded machine.
        let manager = try await ManagerFixture.start(extraArguments: ["--session-grace", "4"])
        func run(_ arguments: String...) async throws -> DurablectlRun {
            try await DurablectlRun.run(arguments, home: manager.folder)
        }
        #expect(try await run("call", "WorkQueue:cli", "put", "\"x\"").status == 0)
        let taken = try await run("call", "cli", "take")
        #expect(taken.status == 0, "\(taken.summary)")
        #expect(canonicalJSON(parsing: taken.output) == canonicalJSON(parsing: #"{"tag": 1, "item": "x", "deliveries": 1}"#), "\(taken.summary)")
        // Each durablectl command is a session of its own: another one may not ack the lease.
        let ack = try await run("call", "cli", "ack", "1")
        #expect(ack.status == 70 && ack.standardError.contains("NotOwner"), "\(ack.summary)")
        let show = try await run("show", "cli")
        let state = try #require(try show.json() as? [String: Any], "\(show.summary)")
        let lease = try #require((state["leased"] as? [[String: Any]])?.first, "\(show.summary)")
        #expect(jsonInt(lease["tag"]) == 1 && lease["session"] is String && (jsonDouble(lease["expiresIn"]) ?? 0) > 20, "\(show.summary)")
        // The taking command's session ends after the grace period, and its lease with it.
        let deadline = ContinuousClock.now + .seconds(20)
        var queued: [[String: Any]] = []
        while queued.isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            let now = try await run("show", "cli")
            queued = (try now.json() as? [String: Any])?["queued"] as? [[String: Any]] ?? []
        }
        #expect(queued.count == 1 && queued.first?["item"] as? String == "x" && jsonInt(queued.first?["deliveries"]) == 1)
        let refused = try await run("call", "cli", "take", "--", "true", "null", "-1")
        #expect(refused.status == 65, "\(refused.summary)")
        #expect(refused.standardError.contains("ValueError"), "\(refused.summary)")
        await manager.stop()
    }
}
