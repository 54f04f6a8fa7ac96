import ArgumentParser
import DurableManager
import DurableWire
import Proxies

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an object's contents or live state as JSON, now or as it was at an earlier record.",
        discussion: """
            OBJECT is a name, #ID or ID (`durablectl objects` lists them). A dict prints as a \
            JSON object (or {"$map": [[key, value], ...]} when a key is not a string), a list \
            as an array, a queue as {"maxsize", "items", "unfinished"}, a WorkQueue as \
            {"lease", "maxDeliveries", "nextTag", "queued", "leased", "delayed", "dead"} (from \
            the manager, each lease with its expiresIn and each delayed item its readyIn, in \
            seconds; the journal knows no deadlines, which restart with the manager). An \
            in-memory object (Lock, RLock, Semaphore, Condition, Event, Barrier) prints its \
            live state as the running manager has it: a Lock's {locked, holder, heldFor, \
            depth, waiters, firstWaiters}, as in `durablectl objects --json`.

            Like `objects`, it asks the running manager when one answers, and otherwise reads \
            the journal file (saying so on stderr), which holds only the durable objects. \
            --live insists on the manager; --from-journal, --journal PATH and --at read the file.

            --at SEQ shows the state right after record SEQ; records before the last \
            checkpoint are folded into it, so SEQ must be at or after it (`durablectl stats`).

            Exit codes: 0 done, 65 SEQ is before the last checkpoint or the journal is \
            damaged, 66 no such file or object (no manager answers and there is no journal \
            either), 69 no manager answers (--live, --connect), 76 newer version, 77 wrong \
            authkey or TLS refused, 78 not a journal.

            Examples:
              durablectl show status
              durablectl show printer --live
              durablectl show '#1099511627777' --at 1200
            """
    )

    @Argument(help: "A name, #ID or ID.")
    var object: String

    @Option(help: ArgumentHelp("Show the state right after this record (from the journal file).", valueName: "seq"))
    var at: UInt64?

    @OptionGroup var source: ObjectSourceOptions

    func validate() throws {
        if at != nil, source.live { throw ValidationError("--at reads the journal's records; the running manager (--live) has only the present") }
        if at != nil, source.connection.connect != nil { throw ValidationError("--at reads the journal file; --connect is for asking a manager") }
    }

    func run() async throws {
        try await reportingFailures {
            if at != nil { return try showFromJournal(try source.journal.openReader(), fallback: nil) }
            switch try await source.open() {
            case .manager(let link):
                let described = try await describe(on: link)
                await link.close()
                // A durable object's contents, as the journal would show them; a primitive keeps
                // none, and its live state is what there is to see.
                printJSON((described[field: "durable"] == true ? described[field: "state"] : described[field: "live"]) ?? .null)
            case .journal(let reader, let fallback):
                try showFromJournal(reader, fallback: fallback)
            }
        }
    }

    /// The manager's description of the object `object` names (a name first, as the journal
    /// reads it, then a plain ID), with its state.
    private func describe(on link: ManagerConnection) async throws(ManagerError) -> Value {
        if object.hasPrefix("#"), let id = UInt64(object.dropFirst()) {
            return try await link.call(0, "describe", [.int(Int64(bitPattern: id))])
        }
        do {
            return try await link.call(0, "describe", [.string(object)])
        } catch where error.code == .unknownObject {
            guard let id = UInt64(object) else { throw error }
            return try await link.call(0, "describe", [.int(Int64(bitPattern: id))])
        }
    }

    /// Prints the object from the journal; `fallback` says why a manager was not asked.
    private func showFromJournal(_ reader: JournalReader, fallback: String?) throws {
        guard let found = try reader.object(object, at: at) else {
            let seq = try at ?? reader.facts().lastSeq ?? 0
            let missing = "\(reader.path) holds no durable object '\(object)' at record \(seq)"
            printError(
                "durablectl: \(fallback.map { "\($0), and " } ?? "")\(missing); the journal holds dicts, lists, Namespaces, Values and queues, and a running manager shows the others (Locks, Events...): `durablectl show \(object) --live`"
            )
            throw ExitCode(66)
        }
        printJSON(found.state)
        if let fallback { printError(ObjectSourceOptions.note(fallback, path: reader.path)) }
    }
}
