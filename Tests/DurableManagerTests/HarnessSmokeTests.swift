import DurableWire
import Testing

struct HarnessSmokeTests {
    @Test func aParkedGetIsReleasedByAPutFromAnotherClient() throws {
        let harness = ManagerHarness()
        let consumer = try harness.connect()
        let producer = try harness.connect()
        let queue = try consumer.create("Queue", name: "jobs")
        let get = try consumer.send(queue, "get")
        #expect(try consumer.reply(get) == nil)
        try producer.value(try producer.create("Queue", name: "jobs"), "put", ["job-1"])
        #expect(try consumer.reply(get) == .success("job-1"))
    }

    @Test func aTimedGetFailsWithEmptyWhenItsDeadlinePasses() throws {
        let harness = ManagerHarness()
        let client = try harness.connect()
        let queue = try client.create("Queue")
        let get = try client.send(queue, "get", [true, 0.5])
        harness.advance(by: .milliseconds(400))
        #expect(try client.reply(get) == nil)
        harness.advance(by: .milliseconds(200))
        guard case .failure(let error) = try client.reply(get) else { Issue.record("expected Empty"); return }
        #expect(error.code == .empty)
    }
}
