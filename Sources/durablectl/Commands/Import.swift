import ArgumentParser
import DurableManager
import DurableWire
import Foundation

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an export's objects into a new journal, for a manager to start on.",
        discussion: """
            The objects keep their ids, names and states; a manager started with \
            `durablectl serve --journal PATH` serves them. PATH is created when missing; a \
            journal that already holds objects or records is refused and left untouched.

            Exit codes: 0 done, 65 FILE is not an export (or a state is not what its type \
            holds), 66 no FILE, 73 PATH already holds state, 74 the disk is full, 75 a manager \
            runs on PATH, 76 PATH is of a newer version, 78 PATH is not a journal.

            Example:
              durablectl import backup.json --journal /var/lib/jobs/restored.sqlite
            """
    )

    @Argument(help: "An export written by `durablectl export`.")
    var file: String

    @OptionGroup var journal: JournalOptions

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            printError("durablectl: cannot read \(file); give the path of a file written by `durablectl export`")
            throw ExitCode(66)
        }
        let export: JournalExport
        do {
            export = try JournalExport(json: String(decoding: data, as: UTF8.self))
        } catch {
            printError("durablectl: \(file) is not an export written by `durablectl export` (\(error.message))")
            throw ExitCode(65)
        }
        try await reportingFailures {
            let progress = TerminalProgress("importing")
            progress.say("writing \(export.objects.count) objects")
            let count = try await OfflineJournal.importing(export, into: journal.path, postgresSchema: journal.pgSchema)
            progress.finish()
            print("imported \(count) objects into \(journal.displayName)")
        }
    }
}
