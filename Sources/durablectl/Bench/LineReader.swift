import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Reads lines from a pipe with blocking reads: call it off the concurrency threads (on NIO's
/// thread pool), never from async code directly.
final class LineReader: Sendable {
    private let fileDescriptor: Int32
    /// Bytes read past the last line handed out.
    private let pending = Mutex<[UInt8]>([])

    init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    /// The next line without its newline; what is left at end of file, or nil when nothing is.
    func readLine() -> String? {
        pending.withLock { buffer in
            var searchedUpTo = 0
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                if let newline = buffer[searchedUpTo...].firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[..<newline], as: UTF8.self)
                    buffer.removeSubrange(...newline)
                    return line
                }
                searchedUpTo = buffer.count
                let count = chunk.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else {
                    defer { buffer = [] }
                    return buffer.isEmpty ? nil : String(decoding: buffer, as: UTF8.self)
                }
                buffer.append(contentsOf: chunk[..<count])
            }
        }
    }
}
