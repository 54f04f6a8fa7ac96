#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Authkey {
    /// Reads the key stored at `path`, or, when `create` is set and no file is there, makes a
    /// new random key and stores it with mode 0600 (creating the folder with mode 0700).
    ///
    /// ```swift
    /// let key = try Authkey(contentsOf: StateFolder.default.authkeyPath, create: true)
    /// ```
    /// The file is refused, as SSH refuses a private key, when other users may read or write it
    /// (mode `0640` at most: a group may share it), and when it holds fewer than
    /// ``minimumLength`` bytes.
    /// - Throws: ``ManagerError`` naming the file when it cannot be read or written, is readable
    ///   by others, or is too short; the message says how to fix it.
    public init(contentsOf path: String, create: Bool = false) throws(ManagerError) {
        if create, access(path, F_OK) != 0 {
            let key = Authkey.random()
            try StateFolder.createParentFolders(of: path)
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if fd >= 0 {
                let written = key.bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
                guard written == key.bytes.count else {
                    unlink(path)
                    throw ManagerError(.valueError, "cannot write the authkey file \(path): \(String(cString: strerror(errno)))")
                }
                self = key
                return
            }
            guard errno == EEXIST else {
                throw ManagerError(.valueError, "cannot create the authkey file \(path): \(String(cString: strerror(errno)))")
            }
        }
        let bytes: [UInt8]
        do {
            bytes = try SmallFile.contents(of: path, secret: true)
        } catch {
            switch error {
            case .unreadable(let reason):
                throw ManagerError(.valueError, "cannot read the authkey file \(path): \(reason); pass --authkey-file or start the manager first")
            case .exposed(let mode):
                throw ManagerError(
                    .valueError,
                    "the authkey file \(path) has mode \(mode): other users can read or change it; run `chmod 600 \(path)` (or 640 to share it with a group)"
                )
            case .tooLarge:
                throw ManagerError(.valueError, "the authkey file \(path) is over 1 MiB: is it the right file?")
            }
        }
        guard !bytes.isEmpty else { throw ManagerError(.valueError, "the authkey file \(path) is empty") }
        self.init(bytes: bytes)
        try checkLength(from: "in \(path)")
    }
}
