import ArgumentParser
import DurableManager
import DurableWire
import Foundation

struct JournalLog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Print the journal's records, oldest first; --follow prints new ones as they are written.",
        discussion: """
            Reads the journal file directly and read-only: safe while a manager runs on it. \
            Each record is one mutation: its sequence number, time, object, op (the method, or \
            a queue's put/get/task_done, or the manager's create/unname/drop), arguments as \
            JSON, and who made it: the session and request id of the client's call (`by \
            SESSION#REQUEST`; none for the manager's own records, such as a sweep's drop). \
            --session shows one client's records. Every start of a manager writes a record too, object `manager` (#0), op \
            `start`, printed as a sentence: "manager started: epoch 7, pid 4242, after a crash \
            or kill (no clean stop), replayed 12 records" (--json: its args are one map, \
            {epoch, pid, lastStop, replayed, recordsLost, schemaVersion}). A checkpoint folds \
            records into the objects' state and removes them, start records too.

            --follow keeps reading and prints each record once the manager has committed it, \
            until interrupted (Ctrl-C exits 0). A checkpoint that runs between two reads (every \
            200 ms) folds records in before they are seen: a line on stderr names them.

            Exit codes: 0 done, 65 damaged, 66 no such file or object, 76 newer version, \
            78 not a journal.

            Examples:
              durablectl journal --tail 20
              durablectl journal --object jobs --since 1200
              durablectl journal --object manager
              durablectl journal --session 3f9a0c2e71d84b16
              durablectl journal --follow --json | jq .op
            """
    )

    @Option(help: ArgumentHelp("Only this object's records: a name, #ID or ID; `manager` for the manager's starts.", valueName: "object"))
    var object: String?

    @Option(help: ArgumentHelp("Only the records of this client session's calls.", valueName: "session"))
    var session: String?

    @Option(help: ArgumentHelp("Only records after this sequence number.", valueName: "seq"))
    var since: UInt64 = 0

    @Option(help: ArgumentHelp("Only the last N records (of those selected).", valueName: "n"))
    var tail: Int?

    @Flag(help: "Keep printing new records as the manager commits them, until interrupted.")
    var follow = false

    @Flag(help: "Print one JSON object per line: {seq, time, object, name, type, op, args, session, request}.")
    var json = false

    @OptionGroup var journal: JournalOptions

    func validate() throws {
        if let tail, tail < 0 { throw ValidationError("--tail takes a count of 0 or more") }
    }

    func run() async throws {
        try await reportingFailures {
            let reader = try journal.openReader()
            var names = try reader.objectNames()
            let objectID = try object.map { try resolve($0, names: names) }
            if follow { stopOnInterrupt() }
            // Every record is read, the other objects' too, in chunks: `last` is the journal's own
            // position, so a checkpoint that folded unread records in can be told from one that did not.
            var last = try tail.map { try reader.tailStart($0, after: since, object: objectID) } ?? since
            var firstRead = true
            while true {
                let (folded, batch) = try reader.newRecords(after: last, limit: Self.chunk)
                if let folded {
                    // Records before the checkpoint at the first read were never asked for.
                    if !firstRead {
                        let scope = objectID == nil ? "" : " (of any object)"
                        printError("durablectl: records \(folded.lowerBound)...\(folded.upperBound)\(scope) were folded into a checkpoint before they could be read; their effect is in `durablectl show`")
                    }
                    last = folded.upperBound
                }
                firstRead = false
                for record in batch {
                    JournalObjectName.note(record, in: &names)
                    if objectID == nil || record.object == objectID, session == nil || record.session == session {
                        try printRecord(record, names: names)
                    }
                }
                last = batch.last?.seq ?? last
                if batch.count == Self.chunk { continue }
                fflush(nil)
                guard follow else { return }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Records read at a time: a journal of millions is printed without holding it all.
    private static let chunk = 10_000

    private func printRecord(_ record: JournalRecord, names: [UInt64: JournalObjectName]) throws {
        let known = names[record.object]
        if json {
            printJSON([
                "seq": .int(Int64(bitPattern: record.seq)),
                "time": .double(record.time),
                "object": .int(Int64(bitPattern: record.object)),
                "name": known?.name.map(Value.string) ?? .null,
                "type": known.map { .string($0.typeID) } ?? .null,
                "op": .string(record.op),
                "args": .array(record.arguments),
                "session": record.session.map(Value.string) ?? .null,
                "request": record.request.map { .int(Int64(bitPattern: $0)) } ?? .null,
            ])
        } else if let start = ManagerStart(record) {
            print("\(record.seq)  \(isoTime(record.time))  manager  \(record.op)  \(start)")
        } else {
            let object = record.object == 0 ? "manager" : known?.name ?? "#\(record.object)"
            let caller = record.session.map { "  by \($0)#\(record.request.map(String.init) ?? "?")" } ?? ""
            print("\(record.seq)  \(isoTime(record.time))  \(object)  \(record.op)  \(Value.array(record.arguments).jsonText())\(caller)")
        }
    }

    /// The id `reference` names: a name the journal knows, else `#ID` or an ID it knows, or
    /// `manager` (#0), whose records are its starts.
    private func resolve(_ reference: String, names: [UInt64: JournalObjectName]) throws -> UInt64 {
        if let id = names.first(where: { $0.value.name == reference })?.key { return id }
        if reference == "manager" || reference == "#0" || reference == "0" { return 0 }
        guard let id = UInt64(reference.hasPrefix("#") ? String(reference.dropFirst()) : reference), names[id] != nil else {
            printError("durablectl: no object '\(reference)' in \(journal.displayName); `durablectl objects` lists them")
            throw ExitCode(66)
        }
        return id
    }

    /// Ctrl-C or SIGTERM ends a follow as its normal end: output so far is already flushed.
    private func stopOnInterrupt() {
        signal(SIGINT) { _ in _exit(0) }
        signal(SIGTERM) { _ in _exit(0) }
    }
}
