import DurableWire
import Foundation
import Proxies

/// A real manager process (`durablectl serve`) on a temporary socket and authkey, stopped by
/// its pid.
final class ManagerFixture: Sendable {
    let folder: String
    let address: ManagerAddress
    let authkeyPath: String
    let process: ChildProcess

    /// Starts `durablectl serve` and waits until it listens.
    static func start(extraArguments: [String] = []) async throws -> ManagerFixture {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dm-e2e-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let address = ManagerAddress.unixDomainSocket(path: folder + "/manager.sock")
        let authkeyPath = folder + "/authkey"
        let process = try ChildProcess("durablectl", [
            "serve", "--listen", "\(address)", "--authkey-file", authkeyPath, "--log-level", "warning",
            "--session-grace", "0.5",
        ] + extraArguments, environment: ["DURABLE_MANAGER_HOME": folder])
        guard let ready = await process.nextLine(), ready.contains("listening") else {
            await process.waitForExit(timeout: .seconds(1))
            throw FixtureError("the manager did not start")
        }
        return ManagerFixture(folder: folder, address: address, authkeyPath: authkeyPath, process: process)
    }

    private init(folder: String, address: ManagerAddress, authkeyPath: String, process: ChildProcess) {
        self.folder = folder
        self.address = address
        self.authkeyPath = authkeyPath
        self.process = process
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

    /// Stops the manager by its pid (SIGTERM, then SIGKILL if it lingers) and removes its files.
    func stop() async {
        process.signal(SIGTERM)
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
