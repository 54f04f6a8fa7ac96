import Foundation
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The bearer token the HTTP endpoints ask for, kept in a file beside the authkey (`http-token`,
/// mode 0600) so that whoever may read the authkey may read the dashboard, and nobody else.
public enum HTTPToken {
    /// The token in `path`, made with 32 random bytes (as hex) and mode 0600 when the file is
    /// missing. A file others may read is refused: the token would no longer be a secret.
    /// - Parameter path: The token file, usually `http-token` beside the authkey.
    /// - Throws: ``HTTPDashboardError`` when the file cannot be made or read, or others may read it.
    public static func load(orCreateAt path: String) throws(HTTPDashboardError) -> String {
        if access(path, F_OK) != 0 {
            var bytes = [UInt8](repeating: 0, count: 32)
            var generator = SystemRandomNumberGenerator()
            for index in bytes.indices { bytes[index] = generator.next() }
            let token = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
            // O_EXCL: two managers starting at once do not overwrite each other's token.
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if descriptor >= 0 {
                let line = token + "\n"
                let written = line.withCString { write(descriptor, $0, strlen($0)) }
                close(descriptor)
                guard written == line.utf8.count else {
                    throw .tokenFile(path, "could not be written (\(String(cString: strerror(errno)))); check the disk and the folder's permissions")
                }
                return token
            }
            guard errno == EEXIST else {
                throw .tokenFile(path, "could not be created (\(String(cString: strerror(errno)))); check the folder's permissions or pass --http-token-file")
            }
        }
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw .tokenFile(path, "could not be read (\(String(cString: strerror(errno))))")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw .tokenFile(path, "may be read by other users (mode \(String(status.st_mode & 0o777, radix: 8))); run `chmod 600 \(path)`")
        }
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), text.count >= 16
        else {
            throw .tokenFile(path, "holds no token of at least 16 characters; delete it to have a new one made")
        }
        return text
    }
}
