// `durablectl serve --http` against a real manager process: /metrics parsed as Prometheus text
// as calls change it, the token refusal, a huge object read a page at a time, and the dashboard
// page loaded in headless Chromium, its DOM checked and a screenshot saved.
import DurableWire
import Foundation
import Proxies
import Testing

@Suite(.serialized)
struct DashboardTests {
    /// Samples of a Prometheus text exposition by `name{labels}`; comment lines checked for shape.
    private static func parsePrometheus(_ text: String) throws -> (samples: [String: Double], types: [String: String]) {
        var samples: [String: Double] = [:]
        var types: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4 else { throw FixtureError("a TYPE line with \(parts.count) parts: \(line)") }
                types[String(parts[2])] = String(parts[3])
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw FixtureError("not a Prometheus sample line: \(line)")
            }
            samples[String(line[..<space])] = value
        }
        return (samples, types)
    }

    /// /metrics parsed, until `done` holds for its samples or 20 s pass.
    private func metrics(_ manager: DashboardManager, until done: ([String: Double]) -> Bool) async throws -> (samples: [String: Double], types: [String: String]) {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let (status, body) = try await manager.get("/metrics")
            try #require(status == 200, "\(body)")
            let parsed = try Self.parsePrometheus(body)
            if done(parsed.samples) || ContinuousClock.now > deadline { return parsed }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    @Test func metricsAreParsedAsPrometheusTextAndChangeAsCallsAreMade() async throws {
        let manager = try await DashboardManager()
        defer { Task { await manager.stop() } }
        let client = try await manager.connect()
        let status: DictProxy<String, Int> = try await client.dict("status")
        for index in 0..<5 { try await status.set("job-\(index)", index) }
        let first = try await metrics(manager) { ($0["durablemanager_journal_records_total"] ?? 0) >= 6 && $0["durablemanager_objects{type=\"dict\"}"] == 1 }
        #expect(first.types["durablemanager_journal_records_total"] == "counter", "\(first.types)")
        #expect(first.types["durablemanager_journal_commits_total"] == "counter", "\(first.types)")
        #expect(first.types["durablemanager_sessions"] == "gauge", "\(first.types)")
        let records = try #require(first.samples["durablemanager_journal_records_total"], "\(first.samples)")
        #expect(records >= 6, "a create and five sets: \(first.samples)")
        #expect(first.samples["durablemanager_objects{type=\"dict\"}"] == 1, "\(first.samples)")
        #expect(first.samples["durablemanager_held_locks"] == 0, "\(first.samples)")
        #expect(first.samples["durablemanager_sessions"] == 1, "this test's client, not the dashboard's own: \(first.samples)")
        #expect((first.samples["durablemanager_journal_bytes"] ?? 0) >= 4096, "the journal holds at least a page: \(first.samples)")
        #expect(first.types["durablemanager_wal_bytes"] == "gauge", "\(first.types)")
        #expect(first.types["durablemanager_calls_total"] == "counter" && first.types["durablemanager_call_duration_seconds"] == "histogram", "\(first.types)")
        let setsBefore = first.samples["durablemanager_calls_total{type=\"dict\",method=\"__setitem__\",outcome=\"ok\"}"] ?? 0
        #expect(setsBefore >= 5, "\(first.samples.filter { $0.key.hasPrefix("durablemanager_calls") })")

        // More calls: the counter goes up by them; a held lock and a queue's depth show.
        for index in 5..<15 { try await status.set("job-\(index)", index) }
        let lock = try await client.lock("printer")
        try await lock.acquire()
        let jobs: QueueProxy<Int> = try await client.queue("jobs")
        for job in 0..<4 { try await jobs.put(job) }
        // A refused call: an outcome of its own.
        let empty: QueueProxy<Int> = try await client.queue("empty")
        await #expect(throws: ManagerError.self) { _ = try await empty.getNowait() }
        // Names a client makes up are counted under one label, not each under its own.
        for made in ["x1", "x2", "x3"] {
            await #expect(throws: ManagerError.self) { _ = try await empty.handle.callMethod(made) }
        }
        // Every figure below is waited for: the poller publishes a snapshot a second, which on a
        // loaded machine can fall between the calls above.
        let second = try await metrics(manager) {
            ($0["durablemanager_journal_records_total"] ?? 0) >= records + 10 && $0["durablemanager_held_locks"] == 1
                && $0["durablemanager_queue_depth{queue=\"jobs\"}"] == 4
                && $0["durablemanager_calls_total{type=\"Queue\",method=\"get_nowait\",outcome=\"Empty\"}"] == 1
                && $0["durablemanager_calls_total{type=\"Queue\",method=\"(not exposed)\",outcome=\"NotExposed\"}"] == 3
        }
        #expect((second.samples["durablemanager_journal_records_total"] ?? 0) >= records + 10, "\(second.samples)")
        #expect((second.samples["durablemanager_journal_commits_total"] ?? 0) >= (first.samples["durablemanager_journal_commits_total"] ?? 0) + 1, "\(second.samples)")
        #expect(second.samples["durablemanager_held_locks"] == 1, "\(second.samples)")
        #expect(second.samples["durablemanager_queue_depth{queue=\"jobs\"}"] == 4, "\(second.samples)")
        #expect(second.samples["durablemanager_objects{type=\"Lock\"}"] == 1, "\(second.samples)")
        let calls = second.samples.filter { $0.key.hasPrefix("durablemanager_call") }
        #expect((second.samples["durablemanager_calls_total{type=\"dict\",method=\"__setitem__\",outcome=\"ok\"}"] ?? 0) >= setsBefore + 10, "\(calls)")
        #expect(second.samples["durablemanager_calls_total{type=\"Lock\",method=\"acquire\",outcome=\"ok\"}"] == 1, "\(calls)")
        #expect(second.samples["durablemanager_calls_total{type=\"Queue\",method=\"get_nowait\",outcome=\"Empty\"}"] == 1, "\(calls)")
        #expect(second.samples["durablemanager_calls_total{type=\"Queue\",method=\"(not exposed)\",outcome=\"NotExposed\"}"] == 3, "\(calls)")
        #expect(!calls.keys.contains { $0.contains("x1") }, "\(calls)")
        #expect((second.samples["durablemanager_call_duration_seconds_count{type=\"dict\"}"] ?? 0) >= 15, "\(calls)")
        try await lock.release()
        await client.connection.close()
    }

    @Test func aRequestWithoutTheTokenIsRefused() async throws {
        let manager = try await DashboardManager()
        defer { Task { await manager.stop() } }
        var mode = stat()
        #expect(stat(manager.folder + "/http-token", &mode) == 0 && mode.st_mode & 0o777 == 0o600, "the token file is private")
        for path in ["/", "/metrics", "/api/info", "/api/objects", "/api/events", "/dashboard.js"] {
            let (status, _) = try await manager.get(path, token: false)
            #expect(status == 401, "\(path) without a token answered \(status)")
            let (wrong, _) = try await manager.get(path, bearer: String(repeating: "0", count: manager.token.count))
            #expect(wrong == 401, "\(path) with a wrong token answered \(wrong)")
        }
        let (status, body) = try await manager.get("/api/info")
        #expect(status == 200, "\(body)")
        let (query, page) = try await manager.get("/?token=\(manager.token)", token: false)
        #expect(query == 200 && page.contains("<title>DurableManager</title>"), "\(query) \(page.prefix(200))")
    }

    @Test func aHugeObjectIsReadAPageAtATime() async throws {
        let manager = try await DashboardManager()
        defer { Task { await manager.stop() } }
        let client = try await manager.connect()
        let huge: ListProxy<Int> = try await client.list("huge")
        for chunk in 0..<10 { try await huge.extend(Array(chunk * 10_000..<(chunk + 1) * 10_000)) }
        let page = try #require(try await manager.json("/api/objects/huge?offset=99990&limit=100") as? [String: Any])
        #expect(jsonInt(page["total"]) == 100_000, "\(canonicalJSON(page).prefix(300))")
        #expect((page["contents"] as? [Any])?.compactMap(jsonInt) == Array(99_990..<100_000), "\(canonicalJSON(page).prefix(300))")
        // Past the largest page, a page is capped: never the object whole.
        let capped = try #require(try await manager.json("/api/objects/huge?limit=1000000") as? [String: Any])
        #expect(jsonInt(capped["limit"]) == 1_000 && (capped["contents"] as? [Any])?.count == 1_000, "\(canonicalJSON(capped).prefix(300))")
        let (status, body) = try await manager.get("/api/objects/no-such-object")
        #expect(status == 404, "\(status) \(body)")
        await client.connection.close()
    }

    /// The system's Chromium, or nil.
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test(.enabled(if: chromium != nil, "no chromium found: install it with `apt-get install -y chromium` (.ci/run does) to test the dashboard page"))
    func theDashboardShowsObjectsAHeldLockAndLiveJournalRecordsInHeadlessChromium() async throws {
        let chromium = try #require(Self.chromium)
        let manager = try await DashboardManager()
        defer { Task { await manager.stop() } }
        let client = try await manager.connect()
        let status: DictProxy<String, String> = try await client.dict("status")
        try await status.set("job-1", "running")
        try await status.set("job-2", "done")
        let jobs: QueueProxy<Int> = try await client.queue("jobs")
        for job in 0..<3 { try await jobs.put(job) }
        let holder = try ChildProcess("durable-test-client", ["\(manager.address)", manager.authkeyPath, "hold-lock", "printer", "60"])
        #expect(await holder.nextLine() == "acquired")
        // The poller has published them: the page reads the same snapshot.
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let locks = try await manager.json("/api/locks") as? [[String: Any]] ?? []
            if locks.contains(where: { $0["name"] as? String == "printer" && jsonBool($0["locked"]) == true }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }

        let url = "\(manager.base)/?token=\(manager.token)"
        let screenshot = manager.folder + "/dashboard.png"
        // A profile folder per run: a second run on the first one's profile, while that one is
        // still closing (slow on a loaded machine), hands its URL to it and exits with no screenshot.
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                      "--window-size=1280,1100", "--virtual-time-budget=4000"]
        // The page loads, then a call changes the dict while it is open: its record must reach the
        // page over the event stream (the page's first /api/journal read ran before it existed).
        async let loaded = Self.run(chromium, common + ["--user-data-dir=\(manager.folder)/chromium-dom", "--dump-dom", url])
        try await Task.sleep(for: .seconds(3))
        try await status.set("live-record", "written while the page is open")
        let dom = try await loaded
        #expect(dom.contains("<td>status</td>") && dom.contains("<td>jobs</td>") && dom.contains("<td>printer</td>"), "the objects table: \(dom.prefix(4000))")
        #expect(dom.contains("held by "), "the held lock: \(dom.prefix(4000))")
        let journalRows = dom.components(separatedBy: "data-seq=").dropFirst()
        #expect(journalRows.contains { $0.contains("live-record") && $0.contains("<td>status</td>") }, "the live journal record: \(dom.prefix(6000))")
        #expect(!dom.contains("manager unreachable"), "\(dom.prefix(2000))")
        // A second try on a fresh profile: on a loaded machine a headless chromium now and then
        // hangs until the run's timeout without saving anything.
        for attempt in 1...2 where !FileManager.default.fileExists(atPath: screenshot) {
            _ = try await Self.run(chromium, common + ["--user-data-dir=\(manager.folder)/chromium-screenshot-\(attempt)", "--screenshot=\(screenshot)", url])
        }
        #expect(FileManager.default.fileExists(atPath: screenshot), "chromium saved no screenshot at \(screenshot)")
        // Kept for people to look at: the temp folder survives when DASHBOARD_SCREENSHOT names a copy.
        if let copy = ProcessInfo.processInfo.environment["DASHBOARD_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: screenshot, toPath: copy)
        }
        holder.signal(SIGTERM)
        await holder.waitForExit(timeout: .seconds(10))
        await client.connection.close()
    }

    /// Runs `executable` to its end (at most 60 s) and returns its stdout.
    private static func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let reading = Task.detached { output.fileHandleForReading.readDataToEndOfFile() }
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { process.terminate() }
        return String(decoding: await reading.value, as: UTF8.self)
    }
}
