import Foundation
import Synchronization

/// A real child process whose stdout the test reads line by line.
final class ChildProcess: Sendable {
    let process: Process
    private let lines = LineBuffer()
    private let input: Pipe?
    /// Where stderr goes when captured: a file, read whole on demand.
    private let errorPath: String?

    /// The folder that holds `durablectl` and `durable-test-client`: the test binary's own.
    static let buildFolder: URL = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // On some platforms the test binary sits inside a bundle folder.
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("durablectl").path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder
    }()

    /// Starts `executable` from the build folder. With `standardInputPipe`, its stdin is a pipe
    /// this test can close (as a parent's death would); otherwise it reads nothing.
    init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        standardInputPipe: Bool = false, captureStandardError: Bool = false
    ) throws {
        process = Process()
        process.executableURL = executable.hasPrefix("/") ? URL(fileURLWithPath: executable) : Self.buildFolder.appendingPathComponent(executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        process.environment = env
        let output = Pipe()
        process.standardOutput = output
        input = standardInputPipe ? Pipe() : nil
        if captureStandardError {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)").path
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: path)
            errorPath = path
        } else {
            errorPath = nil
        }
        process.standardInput = input ?? FileHandle.nullDevice
        try process.run()
        // Blocking reads on a thread of their own: Foundation's `readabilityHandler` on Linux
        // now and then misses the end of a pipe, and a test then waits out its timeout.
        // Lines go through `inbox` in the order they were read: the tasks that move them into
        // `lines` may run in any order, and each takes whatever the inbox holds.
        let lines = lines, inbox = LineInbox(), reader = UncheckedReader(output.fileHandleForReading)
        Thread.detachNewThread {
            var partial = Data()
            while case let chunk = reader.handle.availableData, !chunk.isEmpty {
                partial.append(chunk)
                var complete: [String] = []
                while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
                    complete.append(String(decoding: partial[partial.startIndex..<newline], as: UTF8.self))
                    partial.removeSubrange(partial.startIndex...newline)
                }
                if !complete.isEmpty {
                    inbox.add(complete)
                    Task { await lines.take(from: inbox) }
                }
            }
            inbox.finish()
            Task { await lines.take(from: inbox) }
        }
    }

    var pid: Int32 { process.processIdentifier }

    /// A child left running would hold `swift test`'s output pipe open and hang the run.
    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        if let errorPath { try? FileManager.default.removeItem(atPath: errorPath) }
    }

    /// The next line of output, or nil at end of output or after `timeout`.
    func nextLine(timeout: Duration = .seconds(30)) async -> String? {
        await lines.next(timeout: timeout)
    }

    /// Lines until one satisfies `predicate`; nil if output ends first.
    func line(where predicate: (String) -> Bool, timeout: Duration = .seconds(30)) async -> String? {
        while let line = await nextLine(timeout: timeout) {
            if predicate(line) { return line }
        }
        return nil
    }

    /// Waits for exit, killing the process if it outlives `timeout`.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(30)) async -> Int32 {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Everything the process wrote to stderr so far (with `captureStandardError`).
    func standardErrorText() -> String {
        guard let errorPath, let data = FileManager.default.contents(atPath: errorPath) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    func closeStandardInput() {
        try? input?.fileHandleForWriting.close()
    }

    /// Signals the process while it runs. Once it has exited and been reaped, its pid may
    /// already be another process's (one of a test running beside this one), which must not
    /// get the signal.
    func signal(_ signal: Int32) {
        guard process.isRunning else { return }
        kill(pid, signal)
    }
}

/// The read end of the child's stdout, read by one thread only.
private struct UncheckedReader: @unchecked Sendable {
    let handle: FileHandle
    init(_ handle: FileHandle) { self.handle = handle }
}

/// Lines read from a child, in the order read, until a ``LineBuffer`` takes them.
private final class LineInbox: Sendable {
    private let state = Mutex<(lines: [String], ended: Bool)>(([], false))

    func add(_ new: [String]) { state.withLock { $0.lines += new } }

    func finish() { state.withLock { $0.ended = true } }

    func take() -> (lines: [String], ended: Bool) {
        state.withLock { state in
            defer { state.lines = [] }
            return (state.lines, state.ended)
        }
    }
}

/// Lines a child printed, handed out in order to one reader at a time.
private actor LineBuffer {
    private var lines: [String] = []
    private var finished = false
    private var waiter: (id: Int, continuation: CheckedContinuation<String?, Never>)?
    private var nextWaiterID = 0

    /// Moves every line the inbox holds, and its end, here.
    func take(from inbox: LineInbox) {
        let (new, ended) = inbox.take()
        lines += new
        if ended { finished = true }
        wake()
    }

    func next(timeout: Duration) async -> String? {
        if !lines.isEmpty { return lines.removeFirst() }
        if finished { return nil }
        nextWaiterID += 1
        let id = nextWaiterID
        Task {
            try? await Task.sleep(for: timeout)
            self.expire(id)
        }
        return await withCheckedContinuation { waiter = (id, $0) }
    }

    private func wake() {
        guard let current = waiter else { return }
        if !lines.isEmpty {
            waiter = nil
            current.continuation.resume(returning: lines.removeFirst())
        } else if finished {
            waiter = nil
            current.continuation.resume(returning: nil)
        }
    }

    private func expire(_ id: Int) {
        guard let current = waiter, current.id == id else { return }
        waiter = nil
        current.continuation.resume(returning: nil)
    }
}
