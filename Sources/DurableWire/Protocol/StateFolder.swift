#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The default place of a manager's socket, authkey and journal on one machine, so that
/// `durablectl serve` and every client find each other with no flags.
///
/// `$DURABLE_MANAGER_HOME` if set, else `$XDG_STATE_HOME/durablemanager`, else
/// `~/.local/state/durablemanager`.
public struct StateFolder: Sendable, Hashable {
    /// The folder's path.
    public let path: String

    /// A state folder at `path`.
    public init(path: String) {
        self.path = path
    }

    /// The folder named by the environment, as described above.
    public static var `default`: StateFolder {
        if let explicit = environment("DURABLE_MANAGER_HOME") { return StateFolder(path: explicit) }
        if let state = environment("XDG_STATE_HOME") { return StateFolder(path: state + "/durablemanager") }
        return StateFolder(path: (environment("HOME") ?? "/tmp") + "/.local/state/durablemanager")
    }

    /// The manager's Unix socket.
    public var socketAddress: ManagerAddress { .unixDomainSocket(path: path + "/manager.sock") }
    /// The authkey file (32 random bytes, mode 0600).
    public var authkeyPath: String { path + "/authkey" }
    /// The SQLite journal.
    public var journalPath: String { path + "/manager.sqlite" }

    /// Creates the folders above `path` with mode 0700, so that a socket, key or journal can be
    /// made there and only this user can reach it.
    /// - Throws: ``ManagerError`` naming the folder that could not be made.
    public static func createParentFolders(of path: String) throws(ManagerError) {
        var folder = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/").dropLast() {
            folder += "/" + part
            if mkdir(folder, 0o700) != 0, errno != EEXIST {
                throw ManagerError(.valueError, "cannot create the folder \(folder): \(String(cString: strerror(errno)))")
            }
        }
    }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}
