import DurableWire
import NIOCore

/// Recovery, checkpoints and failed writes: where the store meets its journal.
extension ObjectStore {
    /// What start-up restored, for its one log line.
    package struct RecoveryReport: Sendable {
        package var objects = 0
        package var records = 0
    }

    /// Rebuilds checkpointed objects. Call before any client connects.
    package func restore(_ stored: [JournalFile.StoredObject]) throws(JournalError) {
        for row in stored {
            guard let type = type(row.typeID) else {
                throw .unregisteredType(journalPath, typeID: row.typeID, object: row.id)
            }
            guard let restore = type.restore else {
                throw .damaged(journalPath, "object #\(row.id) has type '\(row.typeID)', which is never journaled")
            }
            do {
                objects[row.id] = Entry(type: type, object: try restore(row.state), name: row.name)
            } catch {
                throw .damaged(journalPath, "object #\(row.id) (\(row.typeID)) cannot be restored: \(error.message)")
            }
            if let name = row.name { names[ExactString(name)] = row.id }
        }
    }

    /// Applies journal records in order, as they were applied when appended.
    package func replay(_ records: [JournalRecord]) throws(JournalError) {
        for record in records {
            if record.op == StoreOp.create.rawValue, case .string(let typeID)? = record.arguments.first, type(typeID) == nil {
                throw .unregisteredType(journalPath, typeID: typeID, object: record.object)
            }
            do {
                try replay(record)
            } catch {
                throw .damaged(journalPath, "record \(record.seq) (\(record.op) on #\(record.object)) cannot be replayed: \(error.message)")
            }
            // The call that made it, sent again after this restart, gets the same reply.
            if let session = record.session, let request = record.request, let reply = record.reply {
                replies.remember(session: session, request: request, reply: reply)
            }
        }
    }

    private func replay(_ record: JournalRecord) throws(ManagerError) {
        let arguments = Arguments(method: record.op, values: record.arguments)
        if record.object == 0 {
            // The manager's own records say what happened to it and change no object.
            guard record.op == ManagerStart.op else { throw ManagerError(.valueError, "the manager (#0) has no record '\(record.op)'") }
            return
        }
        switch StoreOp(rawValue: record.op) {
        case .create?:
            try arguments.expect(3...4)
            let typeID = try arguments.string(0)
            guard let type = type(typeID) else { throw ManagerError(.valueError, "unknown type '\(typeID)'") }
            guard case .array(let creation) = arguments[2] else { throw .wrongType(method: "create", expected: "creation arguments", got: arguments[2]) }
            let name: String? = if case .string(let text) = arguments[1] { text } else { nil }
            let object: any SharedObject
            if arguments.count == 4 {
                // The record carries the state the creator made: rebuilt from it, the creator (user
                // code, perhaps with side effects) does not run again.
                guard let restore = type.restore else { throw ManagerError(.valueError, "type '\(typeID)' cannot be restored") }
                object = try restore(.whole(arguments[3]))
            } else {
                let context = SharedObjectType.CreationContext { reference throws(ManagerError) in try self.entry(for: reference.id).object }
                object = try type.create(Arguments(method: typeID, values: creation), context)
            }
            objects[record.object] = Entry(type: type, object: object, name: name)
            if let name { names[ExactString(name)] = record.object }
            renamedSinceCheckpoint.insert(record.object)
        case .unname?:
            if let name = objects[record.object]?.name { names[ExactString(name)] = nil }
            objects[record.object]?.name = nil
            renamedSinceCheckpoint.insert(record.object)
        case .drop?:
            remove(record.object)
            droppedSinceCheckpoint.insert(record.object)
            renamedSinceCheckpoint.remove(record.object)
        case .start?, nil:
            try entry(for: record.object).object.replay(record.op, arguments)
        }
    }

    /// Starts journaling and lets the restored objects serve (their timers start now, after the
    /// whole replay). Restored objects are kept for one grace period so their clients can come
    /// back before anything unreferenced is dropped; a session of the previous run that held
    /// something (a WorkQueue's lease) and did not come back by then is ended.
    func attach(_ journal: Journal, restored: Bool) {
        self.journal = journal
        journalPath = journal.file.path
        journal.checkpointPlan = { [unowned self] everything in checkpointPlan(everything: everything) }
        journal.onCommitFailure = { [unowned self] ids in restoreFromJournal(ids) }
        for id in objects.keys.sorted() { activate(id) }
        if restored {
            keepRestoredUntil = .now() + sessionGrace
            eventLoop.assumeIsolated().scheduleTask(in: sessionGrace) { [weak self] in
                self?.endSessionsThatDidNotComeBack()
                self?.scheduleSweep()
            }
        }
    }

    /// Ends the sessions that hold something in a restored object and are not back: a client
    /// that did not reconnect within the grace period after a restart is gone, as one whose
    /// session ended after a disconnect is. The holders are the objects' own (their
    /// descriptions'), so no second record of ownership can disagree with them.
    func endSessionsThatDidNotComeBack() {
        let now = eventLoop.now
        let entries = objects.sorted { $0.key < $1.key }.map(\.value)
        var gone: Set<String> = []
        for entry in entries {
            for holder in entry.object.describe(at: now).holders where sessions[holder.session] == nil {
                gone.insert(holder.session)
            }
        }
        for session in gone.sorted() {
            for entry in entries { entry.object.sessionEnded(session) }
            logger.debug("a session of the previous run did not come back", metadata: ["session": "\(session)"])
        }
    }

    /// The registered type, or for a reader that may meet types of a custom manager, one that
    /// follows their recorded states.
    private func type(_ typeID: String) -> SharedObjectType? {
        registry[typeID] ?? (readsUnknownTypesAsRecordedState ? RecordedStateObject.type(typeID) : nil)
    }

    /// Collects what changed since the last checkpoint; `everything` rewrites every object.
    func checkpointPlan(everything: Bool) -> CheckpointPlan {
        var plan = CheckpointPlan()
        plan.replaceAll = everything
        for (id, entry) in objects where entry.type.isDurable {
            let rewrite = everything || renamedSinceCheckpoint.contains(id)
            guard let changes = entry.object.checkpointChanges(everything: rewrite) else { continue }
            plan.objects.append(.init(id: id, typeID: entry.type.typeID, name: entry.name, changes: changes))
        }
        plan.dropped = everything ? [] : Array(droppedSinceCheckpoint)
        plan.replies = replies.rows
        let durable = objects.values.filter { $0.type.isDurable }
        plan.rows = (durable.count, durable.reduce(0) { $0 + $1.object.blockRows })
        renamedSinceCheckpoint = []
        droppedSinceCheckpoint = []
        return plan
    }

    /// A journal write failed: `ids` went past what the journal holds. Their parked calls are
    /// refused, calls to them wait while they are read back, and then each is exactly what the
    /// committed journal says (or gone, if its creation was never committed).
    func restoreFromJournal(_ ids: Set<UInt64>) {
        guard let journal else { return }
        let failure = ManagerError(.journalFailure, "a journal write failed; the object is being restored from the journal, retry")
        for id in ids { objects[id]?.object.failWaiters(failure) }
        restoring.formUnion(ids)
        journal.onJournalThread { connection in
            try ids.map { id in
                (id, try connection.loadObjects(only: id), try connection.records(after: 0, limit: .max, object: id))
            }
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let stored):
                for (id, rows, records) in stored {
                    remove(id)
                    do {
                        try restore(rows)
                        try replay(records)
                        renamedSinceCheckpoint.insert(id)
                        activate(id)
                    } catch {
                        logger.critical("cannot restore an object from the journal", metadata: ["object": "\(id)", "error": "\(error)"])
                    }
                }
                restoring.subtract(ids)
                logger.notice("restored objects from the journal after a failed write", metadata: ["objects": "\(ids.count)"])
                let waiting = deferredCalls
                deferredCalls = []
                for call in waiting { dispatch(call.request, session: call.session, link: call.link) }
            case .failure(let error):
                // The journal cannot even be read: keep refusing these objects; a restart recovers.
                logger.critical("cannot read the journal to restore objects", metadata: ["error": "\(error)"])
            }
        }
    }
}
