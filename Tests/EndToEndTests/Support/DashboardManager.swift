import DurableWire
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Proxies

/// A `durablectl serve --http 127.0.0.1:0` process: the manager on a Unix socket in a temp
/// folder, the dashboard on the port it printed, and the token it wrote beside the authkey.
final class DashboardManager: Sendable {
    let folder: String
    let address: ManagerAddress
    let authkeyPath: String
    let process: ChildProcess
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    let base: String
    let token: String

    init(extraArguments: [String] = []) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("dm-dash-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        address = .unixDomainSocket(path: folder + "/manager.sock")
        authkeyPath = folder + "/authkey"
        process = try ChildProcess("durablectl", [
            "serve", "--listen", "\(address)", "--authkey-file", authkeyPath, "--journal", folder + "/manager.sqlite",
            "--log-level", "warning", "--session-grace", "0.5", "--http", "127.0.0.1:0",
        ] + extraArguments, environment: ["DURABLE_MANAGER_HOME": folder])
        // Two lines in either order: the manager's listeners and the dashboard's address.
        var url: String?
        var listening = false
        while url == nil || !listening {
            guard let line = await process.nextLine() else {
                let status = await process.waitForExit(timeout: .seconds(1))
                throw FixtureError("serve --http did not start (exit status \(status)) \(process.standardErrorText())")
            }
            if line.contains("listening on ") { listening = true }
            if let marker = line.firstRange(of: "HTTP on ") { url = String(line[marker.upperBound...]) }
        }
        base = String(url!.dropLast(url!.hasSuffix("/") ? 1 : 0))
        token = try String(contentsOfFile: folder + "/http-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func connect() async throws -> SyncManager {
        try await SyncManager.connect(to: address, authkey: try Authkey(contentsOf: authkeyPath))
    }

    /// GET `path` with the token unless `token` is false; the status and the body.
    func get(_ path: String, token useToken: Bool = true, bearer: String? = nil) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: base + path)!)
        if let header = bearer ?? (useToken ? token : nil) { request.setValue("Bearer " + header, forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// GET `path` as JSON, which must answer 200.
    func json(_ path: String) async throws -> Any {
        let (status, body) = try await get(path)
        guard status == 200 else { throw FixtureError("\(path) answered \(status): \(body)") }
        return try parseJSON(body)
    }

    func stop() async {
        if process.process.isRunning { process.signal(SIGTERM) }
        await process.waitForExit(timeout: .seconds(10))
        try? FileManager.default.removeItem(atPath: folder)
    }
}
