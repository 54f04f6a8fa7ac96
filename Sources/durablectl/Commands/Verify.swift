import ArgumentParser
import DurableManager
import DurableWire

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a journal: SQLite's integrity check, then a full replay in memory.",
        discussion: """
            Reads the journal file directly and read-only: safe while a manager runs on it. \
            The replay rebuilds every object from the last checkpoint and every record after it, \
            as a start would; any row or record it cannot read or apply is a problem, named with \
            its table, record number or object.

            Exit codes: 0 sound, 65 problems found (one line each on stdout), 66 no such file, \
            76 newer version, 78 not a journal.

            Examples:
              durablectl verify
              durablectl verify --journal backup.sqlite --json
            """
    )

    @OptionGroup var journal: JournalOptions

    @Flag(help: "Print one JSON object: {ok, objects, records, problems}.")
    var json = false

    func run() async throws {
        try await reportingFailures {
            let reader = try journal.openReader()
            let progress = TerminalProgress("replaying")
            let verification = try reader.verify(progress: progress.update)
            progress.finish()
            if json {
                printJSON([
                    "ok": .bool(verification.problems.isEmpty),
                    "objects": .int(Int64(verification.objects)),
                    "records": .int(Int64(verification.replayed)),
                    "problems": .array(verification.problems.map(Value.string)),
                ])
            } else if verification.problems.isEmpty {
                print("ok: \(journal.path): integrity check passed, \(verification.replayed) records replayed into \(verification.objects) objects")
            } else {
                for problem in verification.problems { print("problem: \(problem)") }
            }
            guard verification.problems.isEmpty else {
                printError("durablectl: \(journal.path) has \(verification.problems.count) problem(s); restore it from a backup (`durablectl import`)")
                throw ExitCode(65)
            }
        }
    }
}
