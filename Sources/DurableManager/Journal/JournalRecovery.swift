import DurableWire
import Logging
import NIOCore
import NIOPosix

/// Start-up from a journal: the last checkpoint, then every record after it, in order.
enum JournalRecovery {
    /// Records read and replayed at a time: enough that a thread hop is nothing beside the work.
    static let chunk = 20_000

    struct Report: Sendable {
        var objects: Int
        var replayed: Int
    }

    /// Loads the last checkpoint into `store`, replays the journal after it in chunks on the
    /// store's loop, and starts journaling.
    static func recover(
        _ store: NIOLoopBound<ObjectStore>, from file: JournalFile, info: JournalFile.StartInfo,
        settings: ManagerServer.Configuration.Journal, on loop: any EventLoop, logger: Logger
    ) async throws -> Report {
        let (stored, replies) = try await file.run { (try $0.loadObjects(), try $0.loadReplies()) }
        try await loop.submit {
            store.value.journalPath = file.path
            try store.value.restore(stored)
            store.value.replies.restore(replies)
        }.get()
        // The journal's thread reads the next chunk while the loop replays this one: a long
        // replay keeps both cores busy, decoding on one and applying on the other.
        var replayed = 0
        var reading = file.run(on: loop) { try $0.recordsToReplay(after: info.checkpointSeq, limit: chunk) }
        while true {
            let records = try await reading.get()
            guard let last = records.last else { break }
            reading = file.run(on: loop) { try $0.recordsToReplay(after: last.seq, limit: chunk) }
            do {
                try await loop.submit { try store.value.replay(records) }.get()
            } catch {
                // The read under way ends on its own; nothing waits for it.
                _ = try? await reading.get()
                throw error
            }
            replayed += records.count
        }
        // Committed before the manager listens: the journal shows every start, so an operator
        // sees a restart as a record, not as a gap in the records' times.
        let start = info.startRecord(replayed: replayed)
        let startSeq = try await file.run { try $0.beginRun(start, after: info.lastSeq) }
        file.noteCommitted(upTo: startSeq)
        let objects = try await loop.submit {
            let journal = Journal(
                file: file, durability: settings.durability, lastSeq: startSeq, recordsSinceCheckpoint: info.records + 1,
                checkpointEvery: settings.checkpointEvery, eventLoop: loop, logger: logger
            )
            store.value.attach(journal, restored: !store.value.objects.isEmpty)
            return store.value.objects.count
        }.get()
        return Report(objects: objects, replayed: replayed)
    }
}
