import DurableWire
import Foundation
import NIOPosix

/// The manager a run starts for itself: `durablectl serve` on a temporary socket (or a free TCP
/// port), authkey and journal, stopped by its pid at the end.
final class BenchManagerProcess: Sendable {
    /// Where it listens, as it reported once it accepted connections.
    let address: ManagerAddress
    let authkeyPath: String
    private let process: Process
    /// Its stdin: it shuts down when this closes (`--exit-on-stdin-eof`), even if this process
    /// dies before it can stop it.
    private let input: Pipe
    private let output: Pipe

    /// Its process id, for its CPU clock.
    var pid: Int32 { process.processIdentifier }

    private init(address: ManagerAddress, authkeyPath: String, process: Process, input: Pipe, output: Pipe) {
        self.address = address
        self.authkeyPath = authkeyPath
        self.process = process
        self.input = input
        self.output = output
    }

    /// Starts `executable serve` with its files in `folder` and waits until it listens.
    /// - Throws: ``BenchError/managerDidNotStart(_:)`` with the manager's last log line.
    static func start(executable: String, family: BenchFamily, durability: String, folder: String) async throws -> BenchManagerProcess {
        let authkeyPath = folder + "/authkey"
        let errorPath = folder + "/manager.log"
        _ = try Authkey(contentsOf: authkeyPath, create: true)
        let listen = family == .unix ? "unix:\(folder)/manager.sock" : "tcp:127.0.0.1:0"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "serve", "--listen", listen, "--authkey-file", authkeyPath, "--journal", folder + "/manager.sqlite",
            "--durability", durability, "--log-level", "warning", "--exit-on-stdin-eof",
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        guard FileManager.default.createFile(atPath: errorPath, contents: nil),
              let errorFile = FileHandle(forWritingAtPath: errorPath)
        else { throw BenchError.system("cannot create the manager's log \(errorPath)") }
        process.standardError = errorFile
        do {
            try process.run()
        } catch {
            throw BenchError.managerDidNotStart("cannot start the manager (\(executable) serve): \(error)")
        }
        try? errorFile.close()

        // Its first line on stdout: "DurableManager listening on ADDRESS...", with the port the
        // system chose for TCP port 0.
        let reader = LineReader(fileDescriptor: output.fileHandleForReading.fileDescriptor)
        let line = try await withWatchdog(after: .seconds(30), onExpiry: { kill(process.processIdentifier, SIGKILL) }) {
            try await NIOThreadPool.singleton.runIfActive { reader.readLine() }
        }
        let marker = "listening on "
        guard let line, let range = line.range(of: marker),
              let first = line[range.upperBound...].split(separator: " ").first,
              let address = try? ManagerAddress(parsing: String(first))
        else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
            let log = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            // Its own last line, without the program name this line starts with already.
            let reason = log.split(separator: "\n").last.map { line in
                ": " + (line.hasPrefix("durablectl: ") ? line.dropFirst("durablectl: ".count) : line)
            } ?? " (exit status \(process.terminationStatus))"
            throw BenchError.managerDidNotStart("the manager did not start\(reason)")
        }
        return BenchManagerProcess(address: address, authkeyPath: authkeyPath, process: process, input: input, output: output)
    }

    /// SIGTERM, then SIGKILL if it is still there after a few seconds; waits until it is gone.
    func stop() async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while process.isRunning, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        try? input.fileHandleForWriting.close()
    }
}
