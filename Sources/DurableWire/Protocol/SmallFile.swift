#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the small files a manager and its clients are configured with: the authkey, TLS
/// certificates and private keys. A secret is checked on the open descriptor, so the file that
/// is read is the file whose mode was checked.
package enum SmallFile {
    /// Why a file was not read; each caller words the message for its own file.
    package enum Failure: Error {
        /// `open` failed; the system's reason (`strerror`).
        case unreadable(String)
        /// A secret that users other than the owner and its group may read or change (octal mode).
        case exposed(mode: String)
        /// Over ``limit`` bytes: not the file it should be.
        case tooLarge
    }

    /// The most any of these files holds; a larger one is the wrong file.
    package static let limit = 1 << 20

    /// The bytes of the file at `path`.
    /// - Parameter secret: Refuse the file, as SSH refuses a private key, when users other than
    ///   its owner and its group may read it, or others than its owner may write it (mode 0640
    ///   at most).
    package static func contents(of path: String, secret: Bool) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .unreadable(String(cString: strerror(errno))) }
        defer { close(fd) }
        if secret {
            var status = stat()
            if fstat(fd, &status) == 0, status.st_mode & 0o027 != 0 {
                throw .exposed(mode: String(status.st_mode & 0o777, radix: 8))
            }
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            // A folder opens, then fails to read (EISDIR).
            guard count >= 0 else { throw .unreadable(String(cString: strerror(errno))) }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
            guard bytes.count <= limit else { throw .tooLarge }
        }
        return bytes
    }
}
