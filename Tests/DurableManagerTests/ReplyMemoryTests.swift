@testable import DurableManager
import DurableWire
import Foundation
import Testing

/// Calls sent again: the reply memory, on its own and through the real handler and journal.
struct ReplyMemoryTests {
    @Test func repliesAreRecalledUntilAcknowledged() {
        let memory = ReplyMemory()
        memory.remember(session: "a", request: 1, reply: "one")
        memory.remember(session: "a", request: 2, reply: "two")
        memory.remember(session: "b", request: 1, reply: "other")
        #expect(memory.recall(session: "a", request: 1) == .reply("one"))
        #expect(memory.recall(session: "a", request: 3) == .unknown)
        memory.acknowledge(session: "a", below: 2)
        #expect(memory.recall(session: "a", request: 1) == .acknowledged)
        #expect(memory.recall(session: "a", request: 2) == .reply("two"))
        #expect(memory.recall(session: "b", request: 1) == .reply("other"), "sessions apart")
        #expect(memory.count == 2)
        // A reply that comes in below the acknowledgement (a late one) is not kept.
        memory.remember(session: "a", request: 1, reply: "late")
        #expect(memory.count == 2)
    }

    @Test func pastItsCapacityTheOldestRepliesAreForgottenAndSaySo() {
        let memory = ReplyMemory()
        for request in 1...UInt64(ReplyMemory.capacity + 10) {
            memory.remember(session: "script-\(request % 7)", request: request, reply: .int(Int64(request)))
        }
        #expect(memory.count == ReplyMemory.capacity)
        #expect(memory.recall(session: "script-1", request: 1) == .forgotten)
        #expect(memory.recall(session: "script-\((ReplyMemory.capacity + 10) % 7)", request: UInt64(ReplyMemory.capacity + 10)) == .reply(.int(Int64(ReplyMemory.capacity + 10))))
    }

    @Test func aCheckpointKeepsRepliesAndForgottenMarks() {
        let memory = ReplyMemory()
        memory.remember(session: "a", request: 4, reply: ["item": 1])
        let restored = ReplyMemory()
        restored.restore(memory.rows + [ReplyMemory.Row(session: "b", request: 9, reply: nil)])
        #expect(restored.recall(session: "a", request: 4) == .reply(["item": 1]))
        #expect(restored.recall(session: "b", request: 9) == .forgotten)
        #expect(restored.recall(session: "b", request: 10) == .unknown)
    }

    @Test func aCallSentAgainGetsItsFirstReplyAcrossAReconnectACrashAndACheckpoint() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dm-replies-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let harness = try DurableHarness(path: folder + "/journal.sqlite", checkpointEvery: 1_000)
        var client = try harness.connect(session: "worker")
        let create = try client.call(0, "create", ["list", "jobs", .array([])])
        harness.settle()
        guard case .success(.reference(let list))? = try client.takeReply(create) else { Issue.record("no list"); return }
        let append = try client.call(list.id, "append", ["a"])
        harness.settle()
        #expect(try client.takeReply(append) == .success(.null))

        func sendAgain(_ request: UInt64, _ method: String, _ arguments: [Value]) throws -> Result<Value, ManagerError>? {
            try client.send(.request(Request(id: request, target: list.id, method: method, arguments: arguments, acknowledgedBelow: 1)))
            harness.settle()
            return try client.takeReply(request)
        }
        // The reply was lost with the connection: the same call again changes nothing.
        client = try harness.connect(session: "worker", after: client)
        #expect(try sendAgain(append, "append", ["a"]) == .success(.null))
        let pop = try client.call(list.id, "pop", [])
        harness.settle()
        #expect(try client.takeReply(pop) == .success("a"))
        // A crash: the journal remembers the pop's reply, and the list stays empty.
        try harness.crashAndRestart()
        client = try harness.connect(session: "worker", after: client)
        #expect(try sendAgain(pop, "pop", []) == .success("a"))
        #expect(try sendAgain(append, "append", ["a"]) == .success(.null))
        // A clean stop folds the records into a checkpoint: the replies table keeps them.
        try harness.stopCleanlyAndRestart()
        client = try harness.connect(session: "worker", after: client)
        #expect(try sendAgain(pop, "pop", []) == .success("a"))
        let length = try client.call(list.id, "__len__", [])
        harness.settle()
        #expect(try client.takeReply(length) == .success(0))
    }
}
