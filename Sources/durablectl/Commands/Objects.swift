import ArgumentParser
import DurableManager
import DurableWire

struct Objects: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every object in a journal: id, name, type, size, last record that touched it.",
        discussion: """
            Reads the journal file directly and read-only: safe while a manager runs on it. The \
            state is the last checkpoint plus every record after it, as a start would rebuild it.

            SIZE is entries of a dict, items of a list or queue, attributes of a Namespace. \
            LAST SEQ is `-` when no record since the last checkpoint touched the object.

            Exit codes: 0 done, 65 the journal is damaged, 66 no such file, 76 written by a \
            newer version, 78 not a journal.

            Examples:
              durablectl objects
              durablectl objects --journal /var/lib/jobs/manager.sqlite --json
            """
    )

    @OptionGroup var journal: JournalOptions

    @Flag(help: "Print one JSON array of {id, name, type, size, lastSeq}.")
    var json = false

    func run() async throws {
        try await reportingFailures {
            let snapshot = try journal.openReader().snapshot()
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
}
