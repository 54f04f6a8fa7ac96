import ArgumentParser
import DurableManager
import DurableManagerServe
import DurableWire
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command body and turns a manager or journal error into one line on stderr and an exit
/// code that says what kind of failure it was (sysexits.h numbers; the README lists them).
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ManagerError {
        printError("durablectl: \(error.message) (\(error.code))")
        throw ExitCode(exitCode(for: error.code))
    } catch let error as JournalError {
        printError("durablectl: \(error)")
        throw ExitCode(error.exitCode)
    }
}

private func exitCode(for code: ManagerError.Code) -> Int32 {
    switch code {
    case .notExposed: 64             // EX_USAGE
    // A standby serves nothing yet: as unavailable as a manager that is not there.
    case .connectionLost, .standby: 69 // EX_UNAVAILABLE
    case .authenticationFailed, .tlsFailure: 77  // EX_NOPERM
    case .valueError, .wrongType: 65 // EX_DATAERR
    case .unknownObject, .lostInRestart, .keyError: 66 // EX_NOINPUT
    default: 70                     // EX_SOFTWARE
    }
}

/// Writes one line to stderr.
func printError(_ line: String) {
    let text = line + "\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
}
