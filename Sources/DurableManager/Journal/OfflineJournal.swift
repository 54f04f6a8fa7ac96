public import Logging
import NIOCore
import NIOPosix

/// Work on a journal no manager is running on.
///
/// ```swift
/// let report = try await OfflineJournal.checkpoint(path: "/var/lib/jobs/manager.sqlite", logger: logger)
/// print("folded \(report.replayed) records into \(report.objects) objects")
/// ```
public enum OfflineJournal {
    /// What a checkpoint of a stopped journal did.
    public struct CheckpointReport: Sendable {
        /// Durable objects in the journal.
        public var objects: Int
        /// Records replayed and then folded into the checkpoint.
        public var replayed: Int
        /// Whether the manager that last ran on it stopped cleanly.
        public var lastStopWasClean: Bool
    }

    /// Replays the journal at `path` and checkpoints it, so that the next start replays nothing.
    /// - Throws: ``JournalError`` when the file is not a journal this build can read, is damaged,
    ///   or a manager runs on it (`inUse`, with that manager's pid).
    public static func checkpoint(path: String, logger: Logger) async throws -> CheckpointReport {
        let (file, info) = try await JournalFile.open(path: path, durability: .full)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        do {
            let store = try await loop.submit {
                NIOLoopBound(
                    // No client can come back to an offline journal, but nothing is dropped either: a long grace.
                    ObjectStore(registry: .syncManager, epoch: info.epoch, sessionGrace: .hours(1), eventLoop: loop, logger: logger),
                    eventLoop: loop
                )
            }.get()
            let report = try await JournalRecovery.recover(
                store, from: file, info: info, settings: .init(path: path, durability: .full), on: loop, logger: logger
            )
            try await loop.flatSubmit { store.value.journal!.checkpoint() }.get()
            try await loop.submit { store.value.journal!.stop() }.get()
            await file.close(clean: true)
            try await group.shutdownGracefully()
            return CheckpointReport(objects: report.objects, replayed: report.replayed, lastStopWasClean: info.cleanShutdown)
        } catch {
            await file.close(clean: false)
            try? await group.shutdownGracefully()
            throw error
        }
    }
}
