import ArgumentParser
import DurableWire
import Proxies
#if canImport(Glibc)
import Glibc
#endif

/// How a command reaches a running manager; the defaults find the one `serve` starts with no flags.
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The manager's address: unix:PATH or tcp:HOST:PORT. (default: manager.sock in the state folder)", valueName: "address"))
    var connect: String?

    @Option(help: ArgumentHelp("The manager's authkey file. (default: authkey in the state folder)", valueName: "path"))
    var authkeyFile: String?

    @Option(help: ArgumentHelp("Seconds to wait for the manager to accept the connection and the authkey.", valueName: "seconds"))
    var timeout: Double = 10

    /// Connects and authenticates, or fails with `ConnectionLost` (exit 69) when the manager
    /// does not answer within `timeout`: a stopped or wedged process, not only a closed socket.
    func open() async throws -> ManagerConnection {
        let folder = StateFolder.default
        let address = try connect.map { try ManagerAddress(parsing: $0) } ?? folder.socketAddress
        let authkeyPath = authkeyFile ?? folder.authkeyPath
        guard access(authkeyPath, R_OK) == 0 else {
            printError("durablectl: cannot read the authkey file \(authkeyPath); pass --authkey-file with the manager's authkey")
            throw ExitCode(66)
        }
        let authkey = try Authkey(contentsOf: authkeyPath)
        return try await ManagerConnection.connect(
            to: address, authkey: authkey, handshakeTimeout: .milliseconds(Int64(timeout * 1000))
        )
    }
}
