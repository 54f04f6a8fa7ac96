import ArgumentParser
import DurableManager
import DurableWire

struct Objects: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every object: from the running manager with its live state, or from the journal file.",
        discussion: """
            When a manager answers (the state folder's socket, or --connect), it lists every \
            object it holds, in-memory ones too: id, name, type, size, and STATE in words (a \
            Lock's holder, how long it has held it and who waits; a Semaphore's value; an \
            Event's flag; a Queue's waiting getters and putters; a WorkQueue's leases, delayed \
            items, dead letters and waiting takers). --json prints each as {id, \
            type, name, durable, size, summary, live}, where live holds the fields: for a Lock \
            locked, holder {session, caller}, heldFor, depth, waiters and firstWaiters (the \
            first 5, each {session, caller, waitingFor}).

            When no manager answers, or with --from-journal or --journal PATH, it reads the \
            journal file instead, read-only (safe while a manager runs on it): the durable \
            objects (dicts, lists, Namespaces, Values, queues) as the last checkpoint plus every \
            record after it. LAST SEQ is the last record that touched the object, `-` when none \
            did since the checkpoint; --json prints {id, name, type, size, lastSeq}. A fallback \
            to the journal is said on stderr; --live never falls back, nor does --connect.

            SIZE is entries of a dict, items of a list or queue (of a WorkQueue, those ready \
            to take), attributes of a Namespace.

            Exit codes: 0 done, 65 the journal is damaged, 66 no such file (no manager \
            answers and there is no journal either), 69 no manager answers (--live, \
            --connect), 76 written by a newer version, 77 wrong authkey or TLS refused, 78 not \
            a journal.

            Examples:
              durablectl objects
              durablectl objects --live --json
              durablectl objects --journal /var/lib/jobs/manager.sqlite --json
            """
    )

    @OptionGroup var source: ObjectSourceOptions

    @Flag(help: "Print one JSON array: from a manager {id, type, name, durable, size, summary, live}; from the journal {id, name, type, size, lastSeq}.")
    var json = false

    func run() async throws {
        try await reportingFailures {
            switch try await source.open() {
            case .manager(let link):
                let reply = try await link.call(0, "describe", [])
                await link.close()
                try printLive(reply)
            case .journal(let reader, let fallback):
                printJournal(try reader.snapshot())
                if let fallback { printError(ObjectSourceOptions.note(fallback, path: reader.path)) }
            }
        }
    }

    private func printLive(_ reply: Value) throws {
        guard case .array(let objects) = reply else { throw ManagerError(.protocolError, "describe answered \(reply)") }
        if json {
            printJSON(reply)
            return
        }
        var table = TextTable("ID", "NAME", "TYPE", "SIZE", "STATE")
        for object in objects {
            let cells = ["id", "name", "type", "size", "summary"].map { object[field: $0]?.plainText ?? "-" }
            table.append(cells[0], cells[1], cells[2], cells[3], cells[4])
        }
        table.print()
    }

    private func printJournal(_ snapshot: JournalSnapshot) {
        if json {
            printJSON(.array(snapshot.objects.map { object in
                [
                    "id": .int(Int64(bitPattern: object.id)),
                    "name": object.name.map(Value.string) ?? .null,
                    "type": .string(object.typeID),
                    "size": object.size.map { .int(Int64($0)) } ?? .null,
                    "lastSeq": object.lastSeq.map { .int(Int64(bitPattern: $0)) } ?? .null,
                ]
            }))
            return
        }
        var table = TextTable("ID", "NAME", "TYPE", "SIZE", "LAST SEQ")
        for object in snapshot.objects {
            table.append(
                "\(object.id)", object.name ?? "-", object.typeID, object.size.map(String.init) ?? "-",
                object.lastSeq.map(String.init) ?? "-"
            )
        }
        table.print()
    }
}
