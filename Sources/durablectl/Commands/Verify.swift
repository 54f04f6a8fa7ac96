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
            let progress = TerminalProgress("replaying")
            var problems: [String]
            var objects = 0
            var replayed = 0
            do {
                let verification = try journal.openReader().verify(progress: progress.update)
                (problems, objects, replayed) = (verification.problems, verification.objects, verification.replayed)
            } catch let error as JournalError where error.isDamaged {
                // Too damaged to open or read: that is this command's finding, not its failure.
                problems = [error.detail]
            }
            progress.finish()
            if json {
                printJSON([
                    "ok": .bool(problems.isEmpty),
                    "objects": .int(Int64(objects)),
                    "records": .int(Int64(replayed)),
                    "problems": .array(problems.map(Value.string)),
                ])
            } else if problems.isEmpty {
                print("ok: \(objects) objects, \(replayed) records replayed, integrity check passed: \(journal.displayName)")
            } else {
                for problem in problems { print("problem: \(problem)") }
            }
            guard problems.isEmpty else {
                printError("durablectl: \(journal.displayName) has \(problems.count) problem(s); restore it from a backup (`durablectl import`)")
                throw ExitCode(65)
            }
        }
    }
}
