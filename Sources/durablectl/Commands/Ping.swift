import ArgumentParser
import DurableManager
import DurableWire

struct Ping: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that a manager answers, and show its epoch, uptime, clients and objects.",
        discussion: """
            clients counts the sessions with a connection open (this one's too); sessions counts \
            those whose client disconnected and may still come back within the grace period as \
            well. `durablectl sessions` lists them, and `durablectl objects` the objects.

            A manager with a journal also says how it writes it: commits, recordsCommitted and \
            recordsPerCommit since it started (how many calls a commit carries), fsyncs (every \
            commit in full durability, and every WAL checkpoint), walCheckpoints and \
            checkpoints, and commitsPerSecond, recordsPerSecond and fsyncsPerSecond over about \
            the last 10 seconds.

            Exits 0 when the manager answers, 69 when it cannot be reached or does not answer \
            within --timeout, 77 on a wrong authkey or a TLS certificate refused (the manager's \
            did not verify against --tls-ca, or the manager refused this client's).

            Examples:
              durablectl ping
              durablectl ping --connect tcp:127.0.0.1:50000 --authkey-file ./authkey --json
              durablectl ping --connect tcp:jobs.example.com:50000 --authkey-file ./authkey --tls-ca ./ca.pem
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Print one JSON object: address, epoch, uptime, clients, sessions, objects, journal, journalRecords, the journal's counts and rates (above), types.")
    var json = false

    func run() async throws {
        try await reportingFailures {
            let link = try await connection.open()
            let reply = try await link.call(0, "ping", [])
            await link.close()
            guard case .map(var fields) = reply else { throw ManagerError(.protocolError, "ping answered \(reply)") }
            fields.updateValue(.string("\(link.address)"), forKey: "address", insertingAt: 0)
            if json {
                printJSON(.map(fields))
                return
            }
            for (key, value) in fields {
                guard case .string(let key) = key else { continue }
                let text: String = switch value {
                case .double(let seconds) where key == "uptime": elapsedText(seconds)
                case .array(let items): items.map(\.plainText).joined(separator: " ")
                default: value.plainText
                }
                print("\(key): \(text)")
            }
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
