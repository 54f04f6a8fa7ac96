import ArgumentParser
import DurableManager
import DurableWire

struct Sessions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List a running manager's client sessions: connections, age, grace left, what they hold and wait on.",
        discussion: """
            A session is one client process (its proxies share it across reconnects). One line \
            per session, oldest first: its id, open connections, age, how long it has been \
            disconnected and how long its grace period has left (--session-grace: then its \
            locks and BoundedSemaphore permits are released, and its WorkQueue leases end), \
            how many objects its proxies refer to, what its callers hold (a lock, with the \
            caller inside the client, a task; a BoundedSemaphore's permits; a WorkQueue's \
            leases) and what its calls wait on. This command's own session is marked.

            --json prints one array of {id, connections, age, disconnectedFor, endsIn, \
            objects, proxies, holds, waiting, asking}: seconds as numbers (null while \
            connected), holds as [{id, name, type, caller, count}], waiting as [{id, name, \
            type, method, calls}], asking true for this command's session.

            Exit codes: 0 done, 69 no manager answers, 77 wrong authkey or TLS refused.

            Examples:
              durablectl sessions
              durablectl sessions --json | jq '.[] | select(.holds != [])'
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Print one JSON array of {id, connections, age, disconnectedFor, endsIn, objects, proxies, holds, waiting, asking}.")
    var json = false

    func run() async throws {
        try await reportingFailures {
            let link = try await connection.open()
            let reply = try await link.call(0, "sessions", [])
            await link.close()
            guard case .array(let sessions) = reply else { throw ManagerError(.protocolError, "sessions answered \(reply)") }
            if json {
                printJSON(reply)
                return
            }
            var table = TextTable("SESSION", "CONNECTIONS", "AGE", "DISCONNECTED", "OBJECTS", "HOLDS", "WAITING ON")
            for session in sessions {
                let id = session[field: "id"]?.plainText ?? "-"
                table.append(
                    session[field: "asking"] == true ? "\(id) (this command)" : id,
                    session[field: "connections"]?.plainText ?? "-",
                    Self.seconds(session[field: "age"]),
                    Self.disconnected(session),
                    session[field: "objects"]?.plainText ?? "-",
                    Self.list(session[field: "holds"], Self.hold),
                    Self.list(session[field: "waiting"], Self.wait)
                )
            }
            table.print()
        }
    }

    private static func seconds(_ value: Value?) -> String {
        guard case .double(let seconds)? = value else { return "-" }
        return elapsedText(seconds)
    }

    /// "2.0 s, ends in 3.0 s", or `-` while connected.
    private static func disconnected(_ session: Value) -> String {
        guard case .double? = session[field: "disconnectedFor"] else { return "-" }
        return "\(seconds(session[field: "disconnectedFor"])), ends in \(seconds(session[field: "endsIn"]))"
    }

    private static func list(_ value: Value?, _ describe: (Value) -> String) -> String {
        guard case .array(let items)? = value, !items.isEmpty else { return "-" }
        return items.map(describe).joined(separator: ", ")
    }

    /// "printer (Lock) caller 123", "pool (BoundedSemaphore) 2 permits", "jobs (WorkQueue) 1 lease".
    private static func hold(_ fields: Value) -> String {
        let count = fields[field: "count"]?.plainText ?? "1"
        guard case .string(let caller)? = fields[field: "caller"] else {
            // What a session holds without a caller: a WorkQueue's leases, a BoundedSemaphore's permits.
            let unit = fields[field: "type"] == "WorkQueue" ? "lease" : "permit"
            return "\(objectName(fields)) \(count) \(unit)\(count == "1" ? "" : "s")"
        }
        return "\(objectName(fields)) caller \(caller)\(count == "1" ? "" : " depth \(count)")"
    }

    /// "printer (Lock) acquire", "jobs (Queue) get x2".
    private static func wait(_ fields: Value) -> String {
        let calls = fields[field: "calls"]?.plainText ?? "1"
        return "\(objectName(fields)) \(fields[field: "method"]?.plainText ?? "?")\(calls == "1" ? "" : " x\(calls)")"
    }

    /// "printer (Lock)", or "#1099511627777 (Lock)" for an anonymous object.
    private static func objectName(_ fields: Value) -> String {
        let name: String = if case .string(let name)? = fields[field: "name"] { name } else { "#\(fields[field: "id"]?.plainText ?? "?")" }
        return "\(name) (\(fields[field: "type"]?.plainText ?? "?"))"
    }
}
