import DurableWire
import Foundation
import Proxies
import Testing

/// Several real processes around one real manager process, as users run them.
@Suite(.serialized)
struct ProcessesTests {
    @Test func aProducerAndAConsumerProcessShareAQueueAndADict() async throws {
        let manager = try await ManagerFixture.start()
        defer { Task { await manager.stop() } }
        let consumer = try manager.client("consume", "50", "jobs", "record")
        let producer = try manager.client("produce", "50", "jobs", "record")
        #expect(await producer.line { $0.hasPrefix("produced") } == "produced 50")
        #expect(await consumer.line { $0.hasPrefix("consumed") } == "consumed 50")
        #expect(await producer.waitForExit() == 0)
        #expect(await consumer.waitForExit() == 0)

        let client = try await manager.connect()
        let record: DictProxy<String, String> = try await client.dict("record")
        let entries = try await record.items()
        #expect(entries.count == 50)
        #expect(entries.allSatisfy { $0.value == "consumed" })
        let queue: QueueProxy<String> = try await client.queue("jobs")
        #expect(try await queue.qsize() == 0)
        await client.shutdown()
        await manager.stop()
    }

    @Test func aBlockingGetIsReleasedByAPutFromAnotherProcess() async throws {
        let manager = try await ManagerFixture.start()
        let waiter = try manager.client("get", "handoff")
        #expect(await waiter.nextLine() == "waiting")
        // The get is parked in the manager; this process's calls still go through at once.
        let client = try await manager.connect()
        let queue: QueueProxy<String> = try await client.queue("handoff")
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await queue.qsize() == 0)
        try await queue.put("hello")
        #expect(await waiter.nextLine() == "got hello")
        #expect(await waiter.waitForExit() == 0)
        await client.shutdown()
        await manager.stop()
    }

    @Test func aGetTimesOutWithEmpty() async throws {
        let manager = try await ManagerFixture.start()
        let waiter = try manager.client("get", "never", "0.3")
        #expect(await waiter.nextLine() == "waiting")
        let outcome = await waiter.nextLine()
        #expect(outcome?.hasPrefix("error Empty") == true)
        #expect(await waiter.waitForExit() == 1)
        await manager.stop()
    }

    @Test func twoProcessesContendForALock() async throws {
        let manager = try await ManagerFixture.start()
        let holder = try manager.client("hold-lock", "printer", "3.0")
        #expect(await holder.nextLine() == "acquired")
        // A short timed acquire fails while the other process holds the lock...
        let impatient = try manager.client("acquire-lock", "printer", "0.2")
        #expect(await impatient.nextLine() == "trying")
        #expect(await impatient.nextLine()?.hasPrefix("timeout") == true)
        // ...and a patient one gets it once the holder releases.
        let patient = try manager.client("acquire-lock", "printer", "10")
        #expect(await patient.nextLine() == "trying")
        #expect(await holder.nextLine() == "released")
        #expect(await patient.nextLine()?.hasPrefix("acquired") == true)
        #expect(await holder.waitForExit() == 0)
        #expect(await patient.waitForExit() == 0)
        await manager.stop()
    }

    @Test func aLockHeldByAKilledProcessIsReleasedAfterTheGracePeriod() async throws {
        let manager = try await ManagerFixture.start()
        let holder = try manager.client("hold-lock", "resource", "3600")
        #expect(await holder.nextLine() == "acquired")
        holder.signal(SIGKILL)
        await holder.waitForExit()
        let next = try manager.client("acquire-lock", "resource", "10")
        #expect(await next.nextLine() == "trying")
        #expect(await next.nextLine()?.hasPrefix("acquired") == true)
        await next.waitForExit()
        await manager.stop()
    }

    @Test func aWrongAuthkeyIsRefusedOnBothSides() async throws {
        let manager = try await ManagerFixture.start()
        await #expect {
            _ = try await SyncManager.connect(to: manager.address, authkey: Authkey(bytes: Array("not the key".utf8)))
        } throws: { error in
            (error as? ManagerError)?.code == .authenticationFailed
        }
        // The manager keeps serving everyone else.
        let client = try await manager.connect()
        #expect(try await client.ping().description.contains("epoch"))
        await client.shutdown()
        await manager.stop()
    }

    @Test func aClientCanStopTheManagerAndNoProcessIsLeft() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        try await client.stopManager()
        #expect(await manager.process.waitForExit(timeout: .seconds(10)) == 0)
        #expect(!processExists(manager.pid))
        #expect(!FileManager.default.fileExists(atPath: manager.folder + "/manager.sock"))
        await client.shutdown()
        await manager.stop()
    }
}
