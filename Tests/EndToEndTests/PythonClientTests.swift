import DurableWire
import Foundation
import Proxies
import Testing

/// Unmodified CPython programs (`multiprocessing.managers.SyncManager(...).connect()`, standard
/// library only) against a real `durablectl serve --listen-python`: every scenario is a
/// function of `Python/python_client.py`, which prints `ok SCENARIO` when its checks pass.
@Suite(.serialized)
struct PythonClientTests {
    /// The machine's python3, or nil: then every test here says so and passes without running.
    static let python: String? = {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(folder)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python/python_client.py").path

    /// A manager with a Python listener on a Unix socket of its own.
    private static func startManager() async throws -> (ManagerFixture, String) {
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent("dm-py-\(UUID().uuidString.prefix(8)).sock").path
        let manager = try await ManagerFixture.start(extraArguments: ["--listen-python", "unix:\(socket)"])
        return (manager, socket)
    }

    /// Runs one scenario of the script to its end; fails the test with its stderr unless it printed `ok`.
    @discardableResult
    private static func run(
        _ python: String, _ manager: ManagerFixture, _ address: String, _ scenario: String, _ arguments: String...
    ) async throws -> [String] {
        let process = try ChildProcess(
            python, [script, address, manager.authkeyPath, scenario] + arguments, captureStandardError: true
        )
        var lines: [String] = []
        // Up to its `ok` line, not to the end of its output: a process another test starts at
        // the same moment may inherit the pipe and hold it open.
        while let line = await process.nextLine(timeout: .seconds(60)) {
            lines.append(line)
            if line == "ok \(scenario)" { break }
        }
        let status = await process.waitForExit(timeout: .seconds(10))
        #expect(status == 0 && lines.last == "ok \(scenario)", "python \(scenario): status \(status), output \(lines)\n\(process.standardErrorText())")
        return lines
    }

    private static func pythonOrSkip() -> String? {
        guard let python else {
            print("PythonClientTests: no python3 on PATH, so CPython's client is not tested here")
            return nil
        }
        return python
    }

    @Test func everyTypesMainMethodsAndErrors() async throws {
        guard let python = Self.pythonOrSkip() else { return }
        let (manager, socket) = try await Self.startManager()
        try await Self.run(python, manager, socket, "types")
        try await Self.run(python, manager, socket, "two-threads")
        await manager.stop()
    }

    @Test func twoPythonProcessesShareALockAndAQueue() async throws {
        guard let python = Self.pythonOrSkip() else { return }
        let (manager, socket) = try await Self.startManager()
        let holder = try ChildProcess(python, [Self.script, socket, manager.authkeyPath, "hold-lock", "until-asked"], captureStandardError: true)
        #expect(await holder.nextLine() == "held", "\(holder.standardErrorText())")
        try await Self.run(python, manager, socket, "wait-lock")
        #expect(await holder.nextLine() == "ok hold-lock", "\(holder.standardErrorText())")
        try await Self.run(python, manager, socket, "server-functions")
        await manager.stop()
    }

    /// CPython's own manager keeps a dead client's lock forever; here its connection's session
    /// ends after the grace period and the lock goes to the next caller.
    @Test func aKilledPythonProcessLetsItsLockGo() async throws {
        guard let python = Self.pythonOrSkip() else { return }
        let (manager, socket) = try await Self.startManager()
        let holder = try ChildProcess(python, [Self.script, socket, manager.authkeyPath, "hold-lock", "forever"], captureStandardError: true)
        #expect(await holder.nextLine() == "held", "\(holder.standardErrorText())")
        holder.signal(SIGKILL)
        _ = await holder.waitForExit()
        try await Self.run(python, manager, socket, "acquire-lock")
        await manager.stop()
    }

    @Test func aPythonAndASwiftClientShareANamedDict() async throws {
        guard let python = Self.pythonOrSkip() else { return }
        let (manager, socket) = try await Self.startManager()
        try await Self.run(python, manager, socket, "named-write", "stage", "from python")
        let client = try await manager.connect()
        let status: DictProxy<String, String> = try await client.dict("status")
        #expect(try await status.get("stage") == "from python")
        let jobs: QueueProxy<String> = try await client.queue("jobs")
        #expect(try await jobs.qsize() == 1)
        try await status.set("swift", "was here")
        let lines = try await Self.run(python, manager, socket, "named-read", "stage", "from python")
        #expect(lines.contains { $0.contains("('swift', 'was here')") })
        // durablectl sees the same object.
        let shown = try await DurablectlRun.run(["show", "status", "--journal", manager.journalPath], home: manager.folder)
        #expect(shown.lines.joined().contains("from python"), "\(shown.lines) \(shown.standardError)")
        await client.shutdown()
        await manager.stop()
    }

    @Test func aReconnectingPythonProgramFindsItsNamedStateAfterKill9() async throws {
        guard let python = Self.pythonOrSkip() else { return }
        let (manager, socket) = try await Self.startManager()
        try await Self.run(python, manager, socket, "named-write", "progress", "42 of 100")
        await manager.kill()
        try await manager.restart()
        try await Self.run(python, manager, socket, "named-read", "progress", "42 of 100")
        await manager.stop()
    }

    @Test func aWrongAuthkeyIsRefusedAndBothHandshakeFormsAreAccepted() async throws {
        guard let python = Self.pythonOrSkip() else { return }
        let (manager, socket) = try await Self.startManager()
        try await Self.run(python, manager, socket, "wrong-authkey")
        try await Self.run(python, manager, socket, "modern-handshake")
        await manager.stop()
    }

    @Test func hostilePicklesAndOversizedFramesAreRefusedAndTheManagerServesOn() async throws {
        guard let python = Self.pythonOrSkip() else { return }
        let (manager, socket) = try await Self.startManager()
        try await Self.run(python, manager, socket, "hostile")
        // A native client is served too.
        let client = try await manager.connect()
        let scratch: DictProxy<String, Int> = try await client.dict()
        try await scratch.set("a", 1)
        #expect(try await scratch.get("a") == 1)
        await client.shutdown()
        await manager.stop()
    }

    @Test func aPythonListenerOnTCP() async throws {
        guard let python = Self.pythonOrSkip() else { return }
        let manager = try await ManagerFixture.start(extraArguments: ["--listen-python", "tcp:127.0.0.1:0"])
        // "tcp:127.0.0.1:41234" as the script takes it: HOST:PORT.
        let ready = String("\(try manager.tcpAddress())".dropFirst("tcp:".count))
        try await Self.run(python, manager, ready, "named-write", "over", "tcp")
        try await Self.run(python, manager, ready, "named-read", "over", "tcp")
        // CPython's `shutdown` server function stops the manager cleanly.
        try await Self.run(python, manager, ready, "shutdown")
        #expect(await manager.process.waitForExit() == 0)
        await manager.stop()
    }
}
