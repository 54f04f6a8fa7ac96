import DurableWire
import Foundation
import Proxies
import Testing

/// One object of every journaled type, made by real clients (the Proxies library and
/// `durablectl call`) on a real manager, with what the journal-reading commands must say of it.
struct SampleObjects {
    /// What one object is once ``create(on:)`` returns.
    struct Expected {
        let label: String
        /// Nil for the anonymous list.
        let name: String?
        let type: String
        /// Entries, items or attributes; nil for a Value.
        let size: Int?
        /// Its state in `durablectl`'s JSON, as `show` prints it.
        let state: String
    }

    /// The ids the manager gave, by label.
    let ids: [String: UInt64]

    /// Every object, in the order made. The dict `status` is filled out of key order, so a copy
    /// that sorted its keys would show. `anon` is an anonymous list that `index` refers to.
    static func expected(anonymousID: UInt64) -> [Expected] {
        [
            Expected(label: "status", name: "status", type: "dict", size: 2, state: #"{"job-2": "running", "job-1": "done"}"#),
            Expected(label: "log", name: "log", type: "list", size: 4, state: "[3, 1, 2, 4]"),
            Expected(label: "settings", name: "settings", type: "Namespace", size: 2, state: #"{"phase": "loading", "retries": 3}"#),
            Expected(label: "counter", name: "counter", type: "Value", size: nil, state: "42"),
            Expected(label: "jobs", name: "jobs", type: "Queue", size: 2, state: #"{"maxsize": 0, "items": ["b", "c"], "unfinished": 3}"#),
            Expected(label: "tasks", name: "tasks", type: "JoinableQueue", size: 1, state: #"{"maxsize": 5, "items": [2], "unfinished": 1}"#),
            Expected(label: "index", name: "index", type: "dict", size: 1, state: #"{"pending": {"$ref": \#(anonymousID), "type": "list"}}"#),
            Expected(label: "anon", name: nil, type: "list", size: 1, state: #"["x"]"#),
            Expected(label: "byNumber", name: "byNumber", type: "dict", size: 2, state: #"{"$map": [[2, "two"], [1, "one"]]}"#),
            Expected(label: "shell", name: "shell", type: "dict", size: 1, state: #"{"blob": {"$bytes": "00ff"}}"#),
            Expected(
                label: "work", name: "work", type: "WorkQueue", size: 2,
                state: #"{"lease": 30.0, "maxDeliveries": 3, "nextTag": 3, "queued": [{"item": "b", "deliveries": 1}, {"item": "c", "deliveries": 0}], "leased": [], "delayed": [], "dead": []}"#
            ),
        ]
    }

    var expected: [Expected] { Self.expected(anonymousID: ids["anon"]!) }

    /// `objectsByType` in `stats`.
    static let countsByType = ["dict": 4, "list": 2, "Namespace": 1, "Value": 1, "Queue": 1, "JoinableQueue": 1, "WorkQueue": 1]

    /// Makes the objects through `client` and one `durablectl call`. Every call has returned,
    /// so every record is committed.
    static func create(on manager: ManagerFixture, client: SyncManager) async throws -> SampleObjects {
        var ids: [String: UInt64] = [:]
        let status: DictProxy<String, String> = try await client.dict("status")
        try await status.set("job-2", "running")
        try await status.set("job-1", "queued")
        try await status.set("job-1", "done")
        ids["status"] = status.reference.id

        let log: ListProxy<Int> = try await client.list("log")
        try await log.extend([3, 1, 2])
        try await log.append(4)
        ids["log"] = log.reference.id

        let settings = try await client.namespace("settings")
        try await settings.set("phase", "loading")
        try await settings.set("retries", 3)
        ids["settings"] = settings.reference.id

        let counter: ValueProxy<Int> = try await client.value("counter", 0)
        try await counter.set(41)
        try await counter.set(42)
        ids["counter"] = counter.reference.id

        let jobs: QueueProxy<String> = try await client.queue("jobs")
        for job in ["a", "b", "c"] { try await jobs.put(job) }
        #expect(try await jobs.get() == "a")
        ids["jobs"] = jobs.reference.id

        let tasks: JoinableQueueProxy<Int> = try await client.joinableQueue("tasks", maxsize: 5)
        try await tasks.put(1)
        try await tasks.put(2)
        #expect(try await tasks.get() == 1)
        try await tasks.taskDone()
        ids["tasks"] = tasks.reference.id

        let index: DictProxy<String, ListProxy<String>> = try await client.dict("index")
        ids["index"] = index.reference.id
        let anonymous: ListProxy<String> = try await client.list()
        try await anonymous.append("x")
        try await index.set("pending", anonymous)
        ids["anon"] = anonymous.reference.id

        let byNumber: DictProxy<Int, String> = try await client.dict("byNumber")
        try await byNumber.set(2, "two")
        try await byNumber.set(1, "one")
        ids["byNumber"] = byNumber.reference.id

        // One object from a shell, with a value JSON has no form for.
        let call = try ChildProcess("durablectl", [
            "call", "--connect", "\(manager.address)", "--authkey-file", manager.authkeyPath,
            "dict:shell", "__setitem__", #""blob""#, #"{"$bytes": "00ff"}"#,
        ], captureStandardError: true)
        let printed = await call.nextLine()
        let status0 = await call.waitForExit()
        try #require(status0 == 0 && printed == "null", "durablectl call failed: \(status0) \(printed ?? "") \(call.standardErrorText())")
        let shell: DictProxy<String, Int> = try await client.dict("shell")
        ids["shell"] = shell.reference.id

        // Nothing leased at the end: a lease would hold this client's random session id.
        let work = try await client.workQueue("work", of: String.self, maxDeliveries: 3)
        try await work.put("a")
        try await work.put("b")
        try await work.ack(try await work.take().tag)
        try await work.nack(try await work.take().tag)
        try await work.put("c")
        ids["work"] = work.reference.id
        return SampleObjects(ids: ids)
    }

    /// Reads every object back through `client`, as a manager restored them: same ids, names,
    /// states and orders.
    func expectRestored(through client: SyncManager, after: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let status: DictProxy<String, String> = try await client.dict("status")
        #expect(status.reference.id == ids["status"], "\(after)", sourceLocation: sourceLocation)
        let items = try await status.items()
        #expect(items.map(\.key) == ["job-2", "job-1"], "the dict's insertion order, \(after)", sourceLocation: sourceLocation)
        #expect(items.map(\.value) == ["running", "done"], "\(after)", sourceLocation: sourceLocation)

        let log: ListProxy<Int> = try await client.list("log")
        #expect(log.reference.id == ids["log"], "\(after)", sourceLocation: sourceLocation)
        #expect(try await log.copy() == [3, 1, 2, 4], "\(after)", sourceLocation: sourceLocation)

        let settings = try await client.namespace("settings")
        #expect(settings.reference.id == ids["settings"], "\(after)", sourceLocation: sourceLocation)
        #expect(try await settings.get("phase", as: String.self) == "loading", "\(after)", sourceLocation: sourceLocation)
        #expect(try await settings.get("retries", as: Int.self) == 3, "\(after)", sourceLocation: sourceLocation)

        let counter: ValueProxy<Int> = try await client.value("counter", 0)
        #expect(counter.reference.id == ids["counter"], "\(after)", sourceLocation: sourceLocation)
        #expect(try await counter.get() == 42, "\(after)", sourceLocation: sourceLocation)

        let jobs: QueueProxy<String> = try await client.queue("jobs")
        #expect(jobs.reference.id == ids["jobs"], "\(after)", sourceLocation: sourceLocation)
        #expect(try await jobs.qsize() == 2, "\(after)", sourceLocation: sourceLocation)

        let tasks: JoinableQueueProxy<Int> = try await client.joinableQueue("tasks", maxsize: 5)
        #expect(tasks.reference.id == ids["tasks"], "\(after)", sourceLocation: sourceLocation)
        #expect(try await tasks.qsize() == 1, "\(after)", sourceLocation: sourceLocation)

        let index: DictProxy<String, ListProxy<String>> = try await client.dict("index")
        #expect(index.reference.id == ids["index"], "\(after)", sourceLocation: sourceLocation)
        let pending = try await index["pending"]
        #expect(pending.reference.id == ids["anon"], "\(after)", sourceLocation: sourceLocation)
        #expect(try await pending.copy() == ["x"], "\(after)", sourceLocation: sourceLocation)

        let byNumber: DictProxy<Int, String> = try await client.dict("byNumber")
        #expect(byNumber.reference.id == ids["byNumber"], "\(after)", sourceLocation: sourceLocation)
        let numbered = try await byNumber.items()
        #expect(numbered.map(\.key) == [2, 1], "the dict's insertion order, \(after)", sourceLocation: sourceLocation)
        #expect(numbered.map(\.value) == ["two", "one"], "\(after)", sourceLocation: sourceLocation)

        let shell = try #require(ids["shell"])
        let blob = try await client.connection.call(shell, "__getitem__", [.string("blob")])
        #expect(blob == .bytes([0x00, 0xFF]), "\(after)", sourceLocation: sourceLocation)

        let work = try await client.workQueue("work", of: String.self)
        #expect(work.reference.id == ids["work"], "\(after)", sourceLocation: sourceLocation)
        #expect(try await work.qsize() == 2, "\(after)", sourceLocation: sourceLocation)
    }

    /// Takes from the queues, which shows their order and the JoinableQueue's unfinished count.
    /// Changes them: run last.
    func expectQueuesWork(through client: SyncManager, after: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let jobs: QueueProxy<String> = try await client.queue("jobs")
        #expect(try await jobs.get(block: false) == "b", "\(after)", sourceLocation: sourceLocation)
        #expect(try await jobs.get(block: false) == "c", "\(after)", sourceLocation: sourceLocation)
        let tasks: JoinableQueueProxy<Int> = try await client.joinableQueue("tasks", maxsize: 5)
        #expect(try await tasks.get(block: false) == 2, "\(after)", sourceLocation: sourceLocation)
        // Two puts and one task_done: one task is unfinished (the one just taken), so one
        // task_done is allowed and a second is too many.
        try await tasks.taskDone()
        await #expect(sourceLocation: sourceLocation) { try await tasks.taskDone() } throws: {
            ($0 as? ManagerError)?.code == .valueError
        }
        // A WorkQueue's items in order with their deliveries, and its tags going on from where they were.
        let work = try await client.workQueue("work", of: String.self)
        let again = try await work.take()
        #expect(again.item == "b" && again.deliveries == 2 && again.tag == 3, "\(after)", sourceLocation: sourceLocation)
        try await work.ack(again.tag)
        #expect(try await work.tryTake()?.item == "c", "\(after)", sourceLocation: sourceLocation)
    }
}
