/// Why a benchmark run failed, with the exit code it ends with (sysexits.h numbers).
struct BenchError: Error, CustomStringConvertible {
    let message: String
    let exitCode: Int32

    var description: String { message }

    /// The manager the run started did not come up.
    static func managerDidNotStart(_ message: String) -> BenchError {
        BenchError(message: message, exitCode: 69)  // EX_UNAVAILABLE
    }

    /// A worker process failed or did not report.
    static func workerFailed(_ message: String) -> BenchError {
        BenchError(message: message, exitCode: 70)  // EX_SOFTWARE
    }

    /// Something of this machine's failed: a temporary folder, a process that could not start.
    static func system(_ message: String) -> BenchError {
        BenchError(message: message, exitCode: 71)  // EX_OSERR
    }
}
