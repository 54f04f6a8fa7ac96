import ArgumentParser
import DurableWire
import Foundation
import Proxies

struct Call: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Call a method of a shared object on a running manager and print the result as JSON.",
        discussion: """
            OBJECT is an object's name, #ID, or TYPE:NAME to open the object of that name or \
            create it (Queue:jobs, dict:status). `manager` (or #0) is the manager itself: \
            ping, objects, checkpoint. METHOD is the Python method name (put, get, __getitem__, \
            __setitem__, append...). Each ARG is one JSON value: an object keeps its keys' \
            order, and 2.0 is a float where 2 is an int, as in Python.

            With --idempotency-key, the call is made at most once however often the command is \
            run again with the same key (after a timeout, a lost connection, a restart of the \
            manager): a repeat prints the first result and changes nothing. Use a key per \
            intended change, such as a job id.

            Exit codes: 0 done, 64 the object does not expose METHOD, 65 an ARG is not JSON or \
            not what the method takes, 66 no such object (or key), 69 the manager cannot be \
            reached or does not answer, 77 wrong authkey or a TLS certificate refused (either \
            side's), 70 another failure of the call (its \
            error on stderr).

            Examples:
              durablectl call Queue:jobs put '{"id": 7, "input": "a.csv"}'
              durablectl call jobs get false
              durablectl call dict:status __setitem__ '"job-7"' '"running"'
              durablectl call status items
              durablectl call --idempotency-key order-7 Queue:jobs put '{"order": 7}'
            """
    )

    @Argument(help: "A name, #ID, TYPE:NAME, or `manager`.")
    var object: String

    @Argument(help: "The method to call.")
    var method: String

    @Argument(help: "The arguments, one JSON value each.")
    var arguments: [String] = []

    @Option(help: ArgumentHelp("Make the call at most once for this key, however often the command is repeated: a repeat prints the first result.", valueName: "key"))
    var idempotencyKey: String?

    @OptionGroup var connection: ConnectionOptions

    /// The key names a session of its own, whose first request is the call: the manager keeps
    /// its reply (journaled with the change), and a repeat of the command is the same call sent
    /// again.
    func validate() throws {
        if let idempotencyKey, idempotencyKey.isEmpty || idempotencyKey.utf8.count > 200 {
            throw ValidationError("--idempotency-key must be 1 to 200 bytes")
        }
    }

    func run() async throws {
        var values: [Value] = []
        for argument in arguments {
            do {
                values.append(try Value(json: argument))
            } catch {
                printError("durablectl: argument '\(argument)' is not a JSON value (\(error.message)); quote strings as '\"text\"'")
                throw ExitCode(65)
            }
        }
        try await reportingFailures {
            let link = try await connection.open()
            let target = try await resolve(object, on: link)
            let result: Value
            if let idempotencyKey {
                await link.close()
                let keyed = try await connection.open(session: "key:" + idempotencyKey)
                result = try await keyed.call(target, method, values)
                await keyed.close()
            } else {
                result = try await link.call(target, method, values)
                await link.close()
            }
            printJSON(result)
        }
    }

    /// The id `object` names: `manager`, `#ID`, `TYPE:NAME` (opened or created), or a name.
    private func resolve(_ object: String, on link: ManagerConnection) async throws(ManagerError) -> UInt64 {
        if object == "manager" { return 0 }
        if object.hasPrefix("#") {
            guard let id = UInt64(object.dropFirst()) else {
                throw ManagerError(.valueError, "'\(object)' is not #ID with a number")
            }
            return id
        }
        if let colon = object.firstIndex(of: ":") {
            let created = try await link.call(0, "create", [
                .string(String(object[..<colon])), .string(String(object[object.index(after: colon)...])), .array([]),
            ])
            guard case .reference(let reference) = created else { throw ManagerError(.protocolError, "create returned \(created)") }
            return reference.id
        }
        guard case .array(let objects) = try await link.call(0, "objects", []) else { return 0 }
        for entry in objects {
            if case .map(let fields) = entry, fields["name"] == .string(object), case .int(let id)? = fields["id"] {
                return UInt64(bitPattern: id)
            }
        }
        throw ManagerError(.unknownObject, "no object is named '\(object)'; use TYPE:NAME to create one, or `durablectl call manager objects` to list them")
    }
}
