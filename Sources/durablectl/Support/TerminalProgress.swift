#if canImport(Glibc)
import Glibc
#endif

/// Progress of a long replay on stderr, only when stderr is a terminal: a script that reads
/// the output, or a log, gets nothing extra.
struct TerminalProgress {
    private let label: String
    private let enabled = isatty(2) == 1

    init(_ label: String) {
        self.label = label
    }

    /// Rewrites the progress line with `done` of `total` records.
    func update(_ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        write("\r\(label): \(done)/\(total) records (\(done * 100 / total)%)")
    }

    /// Shows a step that reports no count.
    func say(_ text: String) {
        guard enabled else { return }
        write("\r\(label): \(text)")
    }

    /// Clears the line before the command's own output.
    func finish() {
        guard enabled else { return }
        write("\r\u{1B}[K")
    }

    private func write(_ text: String) {
        _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
    }
}
