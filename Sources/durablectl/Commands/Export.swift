import ArgumentParser
import DurableManager
import DurableWire
import Foundation

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every object of a journal and its state as one JSON document: a backup.",
        discussion: """
            Reads the journal read-only, in one read transaction, so the export is one \
            consistent moment even while a manager runs on it. Values are written in the forms \
            that read back exactly (maps as {"$map": pairs}, whole doubles as {"$double"}); \
            `durablectl import` turns the export into a new journal.

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
            let encoder = JSONEncoder()
            encoder.userInfo[.exactValues] = true
            encoder.outputFormatting = [.withoutEscapingSlashes]
            let data = try encoder.encode(JournalExport(snapshot, exportedAt: Date().timeIntervalSince1970))
            guard let output else {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
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
