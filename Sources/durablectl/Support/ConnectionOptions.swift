import ArgumentParser
import DurableWire
import Proxies
#if canImport(Glibc)
import Glibc
#endif

/// How a command reaches a running manager; the defaults find the one `serve` starts with no flags.
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The manager's address: unix:PATH or tcp:HOST:PORT; several separated by commas (a primary and its standbys) are tried in turn, skipping standbys, and the command fails over between them. (default: manager.sock in the state folder)",
        valueName: "address"))
    var connect: String?

    @Option(help: ArgumentHelp("The manager's authkey file. (default: authkey in the state folder)", valueName: "path"))
    var authkeyFile: String?

    @Option(help: ArgumentHelp("Seconds to wait for the manager to accept the connection and the authkey; with several --connect addresses, to go round them until one serves.", valueName: "seconds"))
    var timeout: Double = 10

    @Option(help: ArgumentHelp(
        "Speak TLS to a manager that serves it (serve --tls-cert): trust the CA certificates in this PEM file, and only them, to have signed its certificate, which must name the --connect host.",
        valueName: "path"))
    var tlsCa: String?

    @Option(help: ArgumentHelp("This client's PEM certificate, for a manager that requires one (serve --tls-ca). Needs --tls-key and --tls-ca.", valueName: "path"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("The PEM private key of --tls-cert, unencrypted, mode 0600 (0640 at most).", valueName: "path"))
    var tlsKey: String?

    /// The TLS options come as a set, and only for a TCP address.
    func validate() throws {
        if tlsCert != nil || tlsKey != nil {
            guard tlsCert != nil, tlsKey != nil else { throw ValidationError("--tls-cert and --tls-key go together: a client certificate and its private key") }
            guard tlsCa != nil else { throw ValidationError("--tls-cert needs --tls-ca, the CA that signed the manager's certificate") }
        }
        // The default address is the state folder's Unix socket; a malformed one is reported by open().
        let hasUnixSocket = connect.map { ((try? ManagerAddress.list(parsing: $0)) ?? []).contains { !$0.isTCP } } ?? true
        if tlsCa != nil, hasUnixSocket {
            throw ValidationError("--tls-ca is for a TCP address (--connect tcp:HOST:PORT); a manager serves its Unix sockets without TLS")
        }
    }

    /// Connects and authenticates, or fails with `ConnectionLost` (exit 69) when the manager
    /// does not answer within `timeout`: a stopped or wedged process, not only a closed socket.
    /// Given several addresses, connects to the first whose manager serves within `timeout`.
    /// - Parameter session: The session to open; a new random one by default.
    func open(session: String = ManagerConnection.randomSessionID()) async throws -> ManagerConnection {
        let addresses = try connect.map { try ManagerAddress.list(parsing: $0) } ?? [StateFolder.default.socketAddress]
        guard hasReadableAuthkey else {
            printError("durablectl: cannot read the authkey file \(authkeyPath); pass --authkey-file with the manager's authkey")
            throw ExitCode(66)
        }
        let authkey = try Authkey(contentsOf: authkeyPath)
        let timeout = Duration.milliseconds(Int64(timeout * 1000))
        if addresses.count == 1 {
            return try await ManagerConnection.connect(to: addresses[0], authkey: authkey, tls: try tls(), sessionID: session, handshakeTimeout: timeout)
        }
        // Going round a list of managers that are all down for the library's 30 s would keep an
        // operator waiting: --timeout bounds the round, and the failovers of a command's calls.
        return try await ManagerConnection.connect(
            to: addresses, authkey: authkey, tls: try tls(), sessionID: session, reconnectWindow: timeout, handshakeTimeout: timeout
        )
    }

    /// The authkey file: `--authkey-file`, or the state folder's.
    var authkeyPath: String { authkeyFile ?? StateFolder.default.authkeyPath }

    /// Whether the authkey file can be read: a state folder without one has never had a manager.
    var hasReadableAuthkey: Bool { access(authkeyPath, R_OK) == 0 }

    /// The address `open()` connects to, as the user would write it.
    var addressText: String { connect ?? "\(StateFolder.default.socketAddress)" }

    /// The TLS the options ask for; a file that is not there is `66` like a missing authkey.
    private func tls() throws -> ManagerConnection.TLS? {
        guard let tlsCa else { return nil }
        for (option, path) in [("--tls-ca", tlsCa), ("--tls-cert", tlsCert), ("--tls-key", tlsKey)] {
            guard let path, access(path, R_OK) != 0 else { continue }
            printError("durablectl: cannot read \(option) \(path): \(String(cString: strerror(errno)))")
            throw ExitCode(66)
        }
        return ManagerConnection.TLS(trustRootsPath: tlsCa, certificateChainPath: tlsCert, privateKeyPath: tlsKey)
    }
}
