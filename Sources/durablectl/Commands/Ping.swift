import ArgumentParser
import DurableWire

struct Ping: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that a manager answers, and show its epoch, uptime, clients and objects.",
        discussion: """
            Exits 0 when the manager answers, 69 when it cannot be reached, 77 on a wrong authkey.

            Example:
              durablectl ping --connect tcp:127.0.0.1:50000 --authkey-file ./authkey
            """
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingFailures {
            let link = try await connection.open()
            let reply = try await link.call(0, "ping", [])
            await link.close()
            print("\(link.address) \(reply)")
        }
    }
}

struct Shutdown: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop a running manager cleanly.",
        discussion: """
            Example:
              durablectl shutdown
            """
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await reportingFailures {
            let link = try await connection.open()
            _ = try await link.call(0, "shutdown", [])
            await link.close()
            print("shutdown requested from \(link.address)")
        }
    }
}
