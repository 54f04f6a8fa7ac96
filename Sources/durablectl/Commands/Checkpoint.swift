import ArgumentParser
import DurableManager
import DurableWire
import Logging
#if canImport(Glibc)
import Glibc
#endif

struct Checkpoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Checkpoint a stopped manager's journal, so that its next start replays nothing.",
        discussion: """
            Refuses, and changes nothing, while a manager runs on the journal: ask that manager \
            instead (a client's SyncManager.checkpoint(), or stop it cleanly, which checkpoints).

            Exit codes: 0 done, 65 not a journal this build can read, 66 no such file, \
            74 the disk is full, 75 a manager runs on it.

            Example:
              durablectl checkpoint --journal /var/lib/jobs/manager.sqlite
            """
    )

    @Option(help: ArgumentHelp("The journal. (default: manager.sqlite in the state folder)", valueName: "path"))
    var journal: String?

    func run() async throws {
        let path = journal ?? StateFolder.default.journalPath
        guard access(path, F_OK) == 0 else {
            printError("durablectl: no journal at \(path); pass --journal")
            throw ExitCode(66)
        }
        do {
            let report = try await OfflineJournal.checkpoint(path: path, logger: Logger(label: "durablectl"))
            print("checkpointed \(path): \(report.objects) objects, \(report.replayed) records folded in (last stop \(report.lastStopWasClean ? "clean" : "unclean"))")
        } catch let error as JournalError {
            printError("durablectl: \(error)")
            throw ExitCode(error.isInUse ? 75 : error.isDiskFull ? 74 : 65)
        }
    }
}
