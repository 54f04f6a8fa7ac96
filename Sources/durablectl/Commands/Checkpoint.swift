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

            Exit codes: 0 done, 65 the journal is damaged, 66 no such file, 74 the disk is \
            full, 75 a manager runs on it, 76 written by a newer version, 78 not a journal (or a \
            custom manager's journal: checkpoint it with that manager).

            Example:
              durablectl checkpoint --journal /var/lib/jobs/manager.sqlite
            """
    )

    @OptionGroup var journal: JournalOptions

    func run() async throws {
        try journal.requireFile()
        try await reportingFailures {
            let report = try await OfflineJournal.checkpoint(path: journal.path, postgresSchema: journal.pgSchema, logger: Logger(label: "durablectl"))
            print("checkpointed \(journal.displayName): \(report.objects) objects, \(report.replayed) records folded in (last stop \(report.lastStopWasClean ? "clean" : "unclean"))")
        }
    }
}
