import Dispatch
import DurableWire
import Foundation
import NIOPosix
import Synchronization

/// A manager process this client spawned (`durablectl serve`), as Python's `manager.start()`
/// forks one.
///
/// The child's stdin is a pipe from this process: when this process dies, however it dies, the
/// pipe closes and the manager shuts down cleanly, so no orphan manager is left behind.
final class ManagerProcess: Sendable {
    private let process: Mutex<Process>
    private let stdinPipe: Pipe
    /// Left when the manager's stdout is all relayed, so nothing it printed is lost at exit.
    private let relay: DispatchGroup
    let folder: String
    let address: ManagerAddress

    private init(process: Process, stdinPipe: Pipe, relay: DispatchGroup, folder: String, address: ManagerAddress) {
        self.process = Mutex(process)
        self.stdinPipe = stdinPipe
        self.relay = relay
        self.folder = folder
        self.address = address
    }

    var pid: Int32 { process.withLock { $0.processIdentifier } }

    /// Spawns `durablectl serve` (or a custom manager's `serve`) on a private socket and waits
    /// until it accepts connections; then relays what it prints (a custom type's output) to
    /// this process's stdout.
    static func spawn(_ options: SyncManager.StartOptions, authkey: Authkey) async throws -> ManagerProcess {
        let folder = try makePrivateFolder()
        let keyPath = folder + "/authkey"
        try Data(authkey.bytes).write(to: URL(fileURLWithPath: keyPath))
        _ = chmod(keyPath, 0o600)
        let address = options.address ?? .unixDomainSocket(path: folder + "/manager.sock")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try options.executable ?? locateDurablectl())
        process.arguments = ["serve", "--listen", "\(address)", "--authkey-file", keyPath,
                             "--journal", options.journal ?? folder + "/manager.sqlite", "--exit-on-stdin-eof",
                             "--log-level", options.logLevel] + options.extraArguments
        let stdinPipe = Pipe()
        let stdoutPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        do {
            try process.run()
        } catch {
            throw ManagerError(.connectionLost, "cannot start the manager \(process.executableURL?.path ?? "?"): \(error)")
        }
        let relay = DispatchGroup()
        let spawned = ManagerProcess(process: process, stdinPipe: stdinPipe, relay: relay, folder: folder, address: address)
        // The manager prints one line on stdout once it listens; a blocking read, so it runs on
        // NIO's thread pool rather than a concurrency thread.
        let line = try await NIOThreadPool.singleton.runIfActive {
            stdoutPipe.fileHandleForReading.readLine()
        }
        guard let line, line.contains("listening") else {
            process.waitUntilExit()
            throw ManagerError(.connectionLost, "the manager exited before it listened (status \(process.terminationStatus)); its log above says why")
        }
        relay.enter()
        let output = UncheckedFileHandle(stdoutPipe.fileHandleForReading)
        Thread.detachNewThread {
            while true {
                let data = output.handle.availableData
                guard !data.isEmpty else { break }
                FileHandle.standardOutput.write(data)
            }
            relay.leave()
        }
        return spawned
    }

    /// Waits up to `grace` for the process to exit, then kills it.
    func waitForExit(grace: Duration) async {
        let process = process.withLock { $0 }
        let relay = relay
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await NIOThreadPool.singleton.runIfActive {
                    process.waitUntilExit()
                    relay.wait()
                }
            }
            group.addTask {
                try? await Task.sleep(for: grace)
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
            await group.next()
            group.cancelAll()
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Closing the child's stdin asks it to shut down.
    func closeStdin() {
        try? stdinPipe.fileHandleForWriting.close()
    }

    private static func makePrivateFolder() throws -> String {
        var template = Array((FileManager.default.temporaryDirectory.path + "/durablemanager-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ManagerError(.valueError, "cannot create a temporary folder for the manager: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }

    /// `durablectl` beside this program (as in a build folder), else on the PATH.
    private static func locateDurablectl() throws -> String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates = [here.appendingPathComponent("durablectl").path,
                          here.deletingLastPathComponent().appendingPathComponent("durablectl").path]
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.insert(URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("durablectl").path, at: 0)
        }
        for path in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append(path + "/durablectl")
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ManagerError(.valueError, "cannot find durablectl beside this program or on the PATH; set StartOptions.executable")
        }
        return found
    }
}

/// The manager's stdout, read by the relay thread alone once the manager listens.
private struct UncheckedFileHandle: @unchecked Sendable {
    let handle: FileHandle
    init(_ handle: FileHandle) { self.handle = handle }
}

extension FileHandle {
    /// Reads up to the first newline, or nil at end of file.
    fileprivate func readLine() -> String? {
        var bytes: [UInt8] = []
        while true {
            let chunk = readData(ofLength: 1)
            guard let byte = chunk.first else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }
}
