public import Logging
import DurableWire
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

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
    public static func checkpoint(path: String, postgresSchema: String = "durablemanager", logger: Logger) async throws -> CheckpointReport {
        let (file, info) = try await JournalFile.open(JournalLocation(path, schema: postgresSchema), durability: .full, logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        do {
            let store = try await loop.submit {
                // No client can come back to an offline journal, but nothing is dropped either: a long grace.
                let store = ObjectStore(registry: .syncManager, epoch: info.epoch, sessionGrace: .hours(1), eventLoop: loop, logger: logger)
                // A custom manager's objects are carried over in the states their records hold.
                store.readsUnknownTypesAsRecordedState = true
                return NIOLoopBound(store, eventLoop: loop)
            }.get()
            let report = try await JournalRecovery.recover(
                store, from: file, info: info, settings: .init(path: path, durability: .full), on: loop, logger: logger
            )
            try await loop.flatSubmit {
                // No client comes: no timer of a restored object may change it after the checkpoint.
                store.value.stopServing()
                return store.value.journal!.checkpoint()
            }.get()
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

    /// Writes `export`'s objects into the journal at `path` (created when missing) as its
    /// checkpoint, so that a manager started on it has every object with its id, name and state.
    /// - Returns: How many objects were written.
    /// - Throws: ``JournalError``: `isHoldingState` when the journal already holds objects or
    ///   records (it is left untouched), `isInUse` when a manager runs on it; `damaged` (naming
    ///   the object) when a state is not what its type is restored from.
    public static func importing(_ export: JournalExport, into path: String, postgresSchema: String = "durablemanager") async throws -> Int {
        let location = try JournalLocation(path, schema: postgresSchema)
        let registry = TypeRegistry.syncManager
        var plan = CheckpointPlan()
        var blocks = 0
        for object in export.objects {
            let state: RestoredState
            if CheckpointLayout.of(object.type) == .dictEntries {
                guard case .map(let entries) = object.state else {
                    throw JournalError.damaged(location.description, "the export's dict #\(object.id) has no map of entries")
                }
                state = .entries(entries.enumerated().map { DictEntryRow(key: $1.key, value: $1.value, position: Int64($0)) })
            } else {
                state = .whole(object.state)
            }
            // A type this build knows must accept the state, and is written as a checkpoint
            // writes it (a dict, list or queue in blocks); a custom type's is its own business.
            var changes = CheckpointChanges.whole(object.state)
            if let type = registry[object.type] {
                guard let restore = type.restore else {
                    throw JournalError.damaged(location.description, "the export's #\(object.id) is a \(object.type), which is never journaled")
                }
                let restored: any SharedObject
                do {
                    restored = try restore(state)
                } catch {
                    throw JournalError.damaged(location.description, "the export's \(object.type) #\(object.id) cannot be restored: \(error.message)")
                }
                changes = restored.checkpointChanges(everything: true) ?? changes
                blocks += restored.blockRows
            }
            plan.objects.append(.init(id: object.id, typeID: object.type, name: object.name, changes: changes))
        }
        plan.rows = (plan.objects.count, blocks)
        let epoch = export.objects.map { $0.id >> ObjectReference.epochShift }.reduce(export.epoch, max)
        // A journal counts epochs up from here: one at the top of the range would overflow.
        guard epoch < UInt64(Int64.max / 2) else {
            throw JournalError.damaged(location.description, "the export's epoch \(epoch) is out of range")
        }
        // Before the file is created or migrated (a database is checked under the lease below).
        if case .file = location, access(path, F_OK) == 0, try SQLiteJournalConnection(readingOnly: path).holdsState() {
            throw JournalError.holdsState(path)
        }
        let quiet = Logger(label: "durablemanager.import", factory: { _ in SwiftLogNoOpLogHandler() })
        let (file, _) = try await JournalFile.open(location, durability: .full, logger: quiet)
        do {
            try await file.run { [plan] connection in
                // Checked again under the lock: a manager may have written it since.
                guard try !connection.holdsState() else { throw JournalError.holdsState(connection.place) }
                try connection.checkpoint(plan)
                try connection.raiseEpoch(to: epoch)
            }
            await file.close(clean: true)
            return plan.objects.count
        } catch {
            await file.close(clean: false)
            throw error
        }
    }
}
