import Foundation
import NIOPosix

/// The parent's side of one worker process: its stdin to say `go`, its stdout read line by line,
/// its stderr kept in a file for the one line a failure reports.
final class BenchWorkerProcess: Sendable {
    let index: Int
    private let process: Process
    private let input: Pipe
    /// Holds the read end of the worker's stdout open for ``output``.
    private let outputPipe: Pipe
    private let output: LineReader
    private let errorPath: String

    /// Starts `executable` with `arguments`, its stderr going to `errorPath`.
    init(index: Int, executable: String, arguments: [String], errorPath: String) throws(BenchError) {
        self.index = index
        self.errorPath = errorPath
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        input = Pipe()
        outputPipe = Pipe()
        output = LineReader(fileDescriptor: outputPipe.fileHandleForReading.fileDescriptor)
        process.standardInput = input
        process.standardOutput = outputPipe
        guard FileManager.default.createFile(atPath: errorPath, contents: nil),
              let errorFile = FileHandle(forWritingAtPath: errorPath)
        else { throw .system("cannot create \(errorPath) for worker \(index)'s log") }
        process.standardError = errorFile
        do {
            try process.run()
        } catch {
            throw .system("cannot start worker \(index) (\(executable)): \(error)")
        }
        // The child has its own copy; Process already closed the pipes' child ends here.
        try? errorFile.close()
    }

    /// The worker's next line on stdout, or nil once its stdout is closed.
    func readLine() async -> String? {
        let output = output
        return try? await NIOThreadPool.singleton.runIfActive { output.readLine() }
    }

    /// Starts the worker's timed calls.
    func sendGo() throws(BenchError) {
        do {
            try input.fileHandleForWriting.write(contentsOf: Data("go\n".utf8))
        } catch {
            throw .workerFailed("worker \(index) could not be told to start: \(error)")
        }
    }

    /// Kills the worker if it still runs (its pid is ours to signal until we have waited for it).
    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits for the worker to exit, killing it if it outlives `timeout`.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(10)) async -> Int32 {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        kill()
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        return process.terminationStatus
    }

    /// Whether the worker has exited, and on its own with a failure.
    var hasFailed: Bool {
        !process.isRunning && !(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    /// What went wrong, once the worker has exited: its last line on stderr, or how it ended.
    func failureReason() -> String {
        let log = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        if let last = log.split(separator: "\n").last(where: { !$0.allSatisfy(\.isWhitespace) }) {
            return String(last)
        }
        if process.isRunning { return "it stopped answering" }
        return process.terminationReason == .uncaughtSignal
            ? "it was killed by signal \(process.terminationStatus)"
            : "it exited with status \(process.terminationStatus)"
    }
}
