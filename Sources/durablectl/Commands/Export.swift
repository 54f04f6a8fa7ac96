import ArgumentParser
import DurableManager
import DurableWire
import Foundation

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every object of a journal and its state as one JSON document: a backup.",
        discussion: """
            Reads the journal read-only, in one read transaction, so the export is one \
            consistent moment even while a manager runs on it. The document is a JSON object \
            with one line per object; states are in the forms `durablectl show` prints, which \
            `durablectl import` reads back as the same values (a dict's order, a double's kind).

            Exit codes: 0 done, 65 damaged, 66 no such file, 73 cannot write FILE, 76 newer \
            version, 78 not a journal.

            Examples:
              durablectl export --output backup.json
              durablectl export --journal /var/lib/jobs/manager.sqlite > backup.json
            """
    )

    @OptionGroup var journal: JournalOptions

    @Option(help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var output: String?

    func run() async throws {
        try await reportingFailures {
            let progress = TerminalProgress("exporting")
            let snapshot = try journal.openReader().snapshot(progress: progress.update)
            progress.finish()
            let data = Data(JournalExport(snapshot, exportedAt: Date().timeIntervalSince1970).jsonText().utf8)
            guard let output else {
                FileHandle.standardOutput.write(data)
                return
            }
            do {
                try data.write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                printError("durablectl: cannot write \(output): \(error.localizedDescription)")
                throw ExitCode(73)
            }
            printError("exported \(snapshot.objects.count) objects at record \(snapshot.seq) to \(output)")
        }
    }
}
