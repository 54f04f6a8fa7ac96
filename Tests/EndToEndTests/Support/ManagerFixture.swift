import DurableWire
import Foundation
import Proxies
import Synchronization

/// A real manager process (`durablectl serve`) on a temporary socket, authkey and journal,
/// stopped by its pid. It can be killed and started again on the same files, as a crash and a
/// restart would.
final class ManagerFixture: Sendable {
    let folder: String
    let address: ManagerAddress
    let authkeyPath: String
    /// The journal, `manager.sqlite` in the folder unless ``start(extraArguments:logLevel:captureStandardError:journalPath:)``
    /// was given one; it outlives every restart.
    let journalPath: String
    /// The executable, then its arguments.
    private let arguments: [String]
    private let capturesStandardError: Bool
    private let current: Mutex<Running>

    /// A manager process and the addresses it printed once it listened.
    private struct Running: Sendable {
        let process: ChildProcess
        let addresses: [ManagerAddress]
    }

    /// The manager process now running: a new one after each ``restart()``.
    var process: ChildProcess { current.withLock { $0.process } }

    /// The first TCP address the running manager listens on (`--listen tcp:127.0.0.1:0` in the
    /// extra arguments), with the port it was given.
    func tcpAddress() throws -> ManagerAddress {
        let addresses = current.withLock { $0.addresses }
        guard let tcp = addresses.first(where: { "\($0)".hasPrefix("tcp:") }) else {
            throw FixtureError("the manager listens on no TCP address: \(addresses)")
        }
        return tcp
    }

    /// Starts `durablectl serve` (or `executable serve`, a custom manager) and waits until it listens. With `captureStandardError` its
    /// log lines are kept for ``ChildProcess/standardErrorLines()`` instead of shown. With
    /// `journalPath` it serves that existing journal (which ``stop()`` leaves where it is)
    /// instead of a new `manager.sqlite` in its folder. With a `launcher`, such as
    /// `["/usr/bin/prlimit", "--nofile=48:48"]`, that command runs the manager: it must `exec` it,
    /// so that ``pid`` is the manager's. With `authkeyPath` it uses that existing authkey
    /// (another manager's, which the same clients reach) instead of a new one in its folder.
    static func start(
        extraArguments: [String] = [], logLevel: String = "warning", captureStandardError: Bool = false,
        journalPath existingJournal: String? = nil, authkeyPath existingAuthkey: String? = nil, executable: String = "durablectl",
        launcher: [String] = []
    ) async throws -> ManagerFixture {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dm-e2e-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let address = ManagerAddress.unixDomainSocket(path: folder + "/manager.sock")
        let authkeyPath = existingAuthkey ?? folder + "/authkey"
        let journalPath = existingJournal ?? folder + "/manager.sqlite"
        let command = launcher.isEmpty ? [executable] : launcher + [ChildProcess.buildFolder.appendingPathComponent(executable).path]
        let arguments = command + [
            "serve", "--listen", "\(address)", "--authkey-file", authkeyPath, "--journal", journalPath,
            "--log-level", logLevel, "--session-grace", "0.5",
        ] + extraArguments
        let running = try await launch(arguments, folder: folder, captureStandardError: captureStandardError)
        return ManagerFixture(
            folder: folder, address: address, authkeyPath: authkeyPath, journalPath: journalPath,
            arguments: arguments, capturesStandardError: captureStandardError, running: running
        )
    }

    private static func launch(_ arguments: [String], folder: String, captureStandardError: Bool) async throws -> Running {
        let process = try ChildProcess(
            arguments[0], Array(arguments.dropFirst()), environment: ["DURABLE_MANAGER_HOME": folder], captureStandardError: captureStandardError
        )
        // "DurableManager listening on unix:/tmp/x/manager.sock tcp:127.0.0.1:41234"
        guard let ready = await process.nextLine(), let marker = ready.firstRange(of: "listening on ") else {
            let status = await process.waitForExit(timeout: .seconds(1))
            throw FixtureError("the manager did not start (exit status \(status)) \(process.standardErrorText())")
        }
        let addresses = try ready[marker.upperBound...].split(separator: " ").map { try ManagerAddress(parsing: String($0)) }
        return Running(process: process, addresses: addresses)
    }

    private init(
        folder: String, address: ManagerAddress, authkeyPath: String, journalPath: String,
        arguments: [String], capturesStandardError: Bool, running: Running
    ) {
        self.folder = folder
        self.address = address
        self.authkeyPath = authkeyPath
        self.journalPath = journalPath
        self.arguments = arguments
        self.capturesStandardError = capturesStandardError
        self.current = Mutex(running)
    }

    var pid: Int32 { process.pid }

    func authkey() throws -> Authkey {
        try Authkey(contentsOf: authkeyPath)
    }

    /// Connects an in-process client.
    func connect() async throws -> SyncManager {
        try await SyncManager.connect(to: address, authkey: try authkey())
    }

    /// Starts a client process in `role` (see Tests/TestClient/main.swift).
    func client(_ role: String, _ arguments: String...) throws -> ChildProcess {
        try ChildProcess("durable-test-client", ["\(address)", authkeyPath, role] + arguments)
    }

    /// Kills the manager with SIGKILL, as a crash would, and waits until it is gone. The folder,
    /// socket file, authkey and journal stay for ``restart()``.
    func kill() async {
        // Only a live process: a pid that was waited for may already belong to another one.
        if process.process.isRunning { process.signal(SIGKILL) }
        await process.waitForExit(timeout: .seconds(10))
    }

    /// Stops the manager cleanly with SIGTERM (its final checkpoint) and keeps its files.
    /// - Returns: its exit status.
    @discardableResult
    func terminate(timeout: Duration = .seconds(30)) async -> Int32 {
        if process.process.isRunning { process.signal(SIGTERM) }
        return await process.waitForExit(timeout: timeout)
    }

    /// Starts a new manager on the same socket, authkey, journal and arguments (and
    /// `extraArguments` this once), once the previous process is gone (after ``kill()`` or
    /// ``terminate(timeout:)``).
    func restart(extraArguments: [String] = []) async throws {
        let next = try await Self.launch(arguments + extraArguments, folder: folder, captureStandardError: capturesStandardError)
        current.withLock { $0 = next }
    }

    /// Runs `durablectl serve` on the same files and arguments (and `extraArguments`) to its
    /// end, once the previous process is gone: for a start that must be refused, whose exit
    /// status and stderr it returns. A start that is not refused serves until the run's timeout
    /// and fails the test.
    func refusedStart(extraArguments: [String] = []) async throws -> DurablectlRun {
        precondition(arguments[0] == "durablectl", "refusedStart runs durablectl, not a custom manager or a launcher")
        return try await DurablectlRun.run(Array(arguments.dropFirst()) + extraArguments, home: folder, timeout: .seconds(30))
    }

    /// Stops the manager by its pid (SIGTERM, then SIGKILL if it lingers) and removes its files.
    func stop() async {
        if process.process.isRunning { process.signal(SIGTERM) }
        await process.waitForExit(timeout: .seconds(10))
        try? FileManager.default.removeItem(atPath: folder)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Whether a process with this pid still exists (a zombie counts as gone).
func processExists(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    return !status.contains("State:\tZ")
}
