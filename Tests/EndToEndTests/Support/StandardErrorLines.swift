import Foundation

extension ChildProcess {
    /// The lines written to stderr so far; the process must have been started with
    /// `captureStandardError`.
    func standardErrorLines() -> [String] {
        standardErrorText().split(separator: "\n").map(String.init)
    }

    /// Waits (polling) until a stderr line contains `text`; nil after `timeout`.
    func standardErrorLine(containing text: String, timeout: Duration = .seconds(15)) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let line = standardErrorLines().first(where: { $0.contains(text) }) { return line }
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// The value of `key=value` in a log line (swift-log's metadata), or nil.
func logMetadata(_ key: String, in line: String) -> String? {
    for field in line.split(separator: " ") where field.hasPrefix(key + "=") {
        return String(field.dropFirst(key.count + 1))
    }
    return nil
}
