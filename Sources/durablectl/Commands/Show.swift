import ArgumentParser
import DurableManager
import DurableWire

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an object's contents as JSON, now or as it was at an earlier record.",
        discussion: """
            Reads the journal file directly and read-only: safe while a manager runs on it. \
            OBJECT is a name, #ID or ID (`durablectl objects` lists them). A dict prints as a \
            JSON object (or {"$map": [[key, value], ...]} when a key is not a string), a list \
            as an array, a queue as {"maxsize", "items", "unfinished"}.

            --at SEQ shows the state right after record SEQ; records before the last \
            checkpoint are folded into it, so SEQ must be at or after it (`durablectl stats`).

            Exit codes: 0 done, 65 SEQ is before the last checkpoint or the journal is \
            damaged, 66 no such file or object, 76 newer version, 78 not a journal.

            Examples:
              durablectl show status
              durablectl show '#1099511627777' --at 1200
            """
    )

    @Argument(help: "A name, #ID or ID.")
    var object: String

    @Option(help: ArgumentHelp("Show the state right after this record.", valueName: "seq"))
    var at: UInt64?

    @OptionGroup var journal: JournalOptions

    func run() async throws {
        try await reportingFailures {
            let reader = try journal.openReader()
            guard let found = try reader.object(object, at: at) else {
                let seq = try at ?? reader.facts().lastSeq ?? 0
                printError("durablectl: no object '\(object)' in \(journal.path) at record \(seq); `durablectl objects` lists them")
                throw ExitCode(66)
            }
            printJSON(found.state)
        }
    }
}
