package import DurableWire
package import Logging
package import NIOCore

/// The one owner of every shared object: it applies each call, in the order calls arrive, on
/// the manager's event loop.
///
/// Nothing here takes a lock: every connection's handler runs on the same event loop and calls
/// ``dispatch(_:session:link:)`` directly, so calls are applied one at a time in a strict order.
/// Blocking methods park on their objects and are completed later on the same loop.
package final class ObjectStore {
    package struct Entry {
        package let type: SharedObjectType
        package let object: any SharedObject
        package var name: String?
        /// The user's object, for an object a method returned: returned again, it is the same shared object.
        var returned: ObjectIdentifier?
    }

    package let registry: TypeRegistry
    /// This run of the manager; ids of objects created in this run carry it in their upper bits.
    package let epoch: UInt64
    let eventLoop: any EventLoop
    let logger: Logger
    let sessionGrace: TimeAmount
    package let startedAt = NIODeadline.now()
    /// Set while the manager is a standby (`serve --standby`): the journal whose lease it waits
    /// for. It then answers `ping` and refuses every other call with ``ManagerError/Code/standby``.
    package var standbyFor: String?
    /// Set once the manager stops: a lease that ends after this is no news.
    var isStopping = false
    /// Set when the journal's lease ended while the manager served (PostgreSQL's connection was lost).
    var lostLease = false

    package internal(set) var objects: [UInt64: Entry] = [:]
    /// Objects by name; names compare by code points, as Python's strings do.
    package internal(set) var names: [ExactString: UInt64] = [:]
    private(set) var sessions: [String: Session] = [:]
    /// The replies of calls that changed something, for calls sent again.
    package let replies = ReplyMemory()
    /// Calls by type, method and outcome, and their latencies: the manager method `callStatistics`.
    let callStatistics = CallStatistics()
    private var nextSerial: UInt64 = 1
    /// The ids of objects that methods returned, by the user's object (Python's `method_to_typeid`).
    private var returnedIDs: [ObjectIdentifier: UInt64] = [:]
    private var sweepScheduled = false
    /// The journal of durable objects' mutations; nil for a manager that keeps none.
    package internal(set) var journal: Journal?
    /// Durable objects created or renamed since the last checkpoint: their rows are rewritten.
    var renamedSinceCheckpoint: Set<UInt64> = []
    /// Durable objects dropped since the last checkpoint.
    var droppedSinceCheckpoint: Set<UInt64> = []
    /// Restored objects are kept until this deadline even if nothing refers to them yet: their
    /// clients had no chance to come back.
    var keepRestoredUntil: NIODeadline?
    /// Objects being put back to what the journal says after a failed write.
    var restoring: Set<UInt64> = []
    /// Calls to objects being restored, applied in order once they are back.
    var deferredCalls: [(request: Request, session: Session, link: ClientLink)] = []
    /// Named in errors about the journal's contents.
    var journalPath = "the journal"
    /// Set by a journal reader: objects of types the registry lacks are rebuilt from the states
    /// their records carry instead of refused.
    var readsUnknownTypesAsRecordedState = false
    /// The largest state or reply a call may make, in encoded bytes (`--max-value-size`).
    package var maxValueSize = Int.max
    /// Asked for by a client's `shutdown` call; the server owns what happens then.
    var onShutdownRequest: () -> Void = {}
    /// Seconds since 1970, for objects that journal a time that must hold across a restart (a
    /// WorkQueue's delayed nack); tests set their own.
    package var wallClock: () -> Double = ObjectContext.unixTime

    package init(registry: TypeRegistry, epoch: UInt64, sessionGrace: TimeAmount, eventLoop: any EventLoop, logger: Logger) {
        self.registry = registry
        self.epoch = epoch
        self.sessionGrace = sessionGrace
        self.eventLoop = eventLoop
        self.logger = logger
    }

    package var connectedSessions: Int { sessions.values.count { $0.connectionCount > 0 } }

    // MARK: Calls

    /// Applies one request and replies, now or (for a parked call) later.
    func dispatch(_ request: Request, session: Session, link: ClientLink) {
        if let journal = standbyFor, request.target != 0 || request.method != "ping" {
            link.send(.reply(id: request.id, result: .failure(ManagerError(
                .standby,
                "this manager is a standby: it serves nothing until the active manager on \(journal) stops and it takes over; connect to the active manager, or give the client both addresses"
            ))))
            return
        }
        replies.acknowledge(session: session.id, below: request.acknowledgedBelow)
        switch replies.recall(session: session.id, request: request.id) {
        case .unknown:
            break
        case .reply(let reply):
            // The same call sent again (its reply was lost with a connection, or a restart):
            // its first reply, and nothing applied twice.
            session.noteReturned(.success(reply))
            link.send(.reply(id: request.id, result: .success(reply)))
            return
        case .forgotten:
            link.send(.reply(id: request.id, result: .failure(ManagerError(
                .replyForgotten,
                "request \(request.id) was answered, but its reply is no longer remembered (over \(ReplyMemory.capacity) replies were never acknowledged): it may or may not have been applied"
            ))))
            return
        case .acknowledged:
            link.send(.reply(id: request.id, result: .failure(ManagerError(
                .protocolError, "request \(request.id) was answered and its reply acknowledged; a new call needs a new id"
            ))))
            return
        }
        let arguments = Arguments(method: request.method, values: request.arguments, maxValueSize: maxValueSize)
        let entry: Entry?
        do throws(ManagerError) {
            try checkReferences(in: request.arguments)
            entry = request.target == 0 ? nil : try self.entry(for: request.target)
        } catch {
            link.send(.reply(id: request.id, result: .failure(error)))
            return
        }
        if restoring.contains(request.target) {
            deferredCalls.append((request, session, link))
            return
        }
        let journaling = entry?.type.journaling ?? .none
        // A call that changes something is remembered with its reply: sent again, it gets it.
        let changes = entry.map { $0.type.mutating.contains(request.method) } ?? (request.method == "create")
        // Counted under the method's name only when the type has it: a client's made-up names
        // must not become labels without end.
        let counted = callStatistics.isCounting
            ? CallStatistics.label(request.method, exposed: entry.map { $0.type.exposed.contains(request.method) } ?? Self.managerMethods.contains(request.method))
            : request.method
        let call = PendingCall(
            requestID: request.id, target: request.target, method: request.method, session: session,
            owner: request.owner, link: link, journal: journaling == .records ? journal : nil, replies: changes ? replies : nil,
            statistics: callStatistics.isCounting ? callStatistics : nil, typeID: entry?.type.typeID ?? "manager", countedMethod: counted
        )
        do throws(ManagerError) {
            guard let entry else {
                if case .returned(let value) = try callManager(request.method, arguments, call) { call.complete(.success(value)) }
                return
            }
            guard entry.type.exposed.contains(request.method) else {
                throw ManagerError(
                    .notExposed,
                    "\(entry.type.typeID) does not expose '\(request.method)'; it exposes \(entry.type.exposed.sorted().joined(separator: ", "))"
                )
            }
            let outcome = try entry.object.call(request.method, arguments, call)
            // The journal's seam for deterministic types: the call itself is the record, with its
            // reply. Types that journal their own records appended them during the call.
            if journaling == .calls, changes, case .returned(let reply) = outcome {
                journal?.append(object: request.target, op: request.method, arguments: request.arguments, caller: call.caller, reply: reply)
            }
            switch outcome {
            case .returned(let value): call.complete(.success(value))
            case .created(let child, let typeID):
                call.complete(.success(.reference(try keepReturned(child, typeID: typeID, from: request.method))))
            case .parked: break
            }
        } catch {
            call.complete(.failure(error))
        }
    }

    func entry(for id: UInt64) throws(ManagerError) -> Entry {
        if let entry = objects[id] { return entry }
        let objectEpoch = id >> ObjectReference.epochShift
        if objectEpoch != 0, objectEpoch < epoch {
            throw ManagerError(
                .lostInRestart,
                "object #\(id) was an in-memory object of an earlier run of the manager (epoch \(objectEpoch), now \(epoch)); create it again"
            )
        }
        throw ManagerError(.unknownObject, "no object #\(id) in this manager (it was never created, or was released)")
    }

    /// Refuses a reference that names no object of this run, or names one as another type: a
    /// client must not store a forged reference, which would keep nothing alive and would name
    /// whatever object a later run gives that id.
    /// - Throws: `UnknownObject`, `LostInRestart` or `TypeMismatch`, naming the reference.
    func checkReferences(in values: [Value]) throws(ManagerError) {
        for value in values { try checkReferences(in: value) }
    }

    private func checkReferences(in value: Value) throws(ManagerError) {
        switch value {
        case .reference(let reference):
            let found = try entry(for: reference.id)
            guard found.type.typeID == reference.typeID else {
                throw ManagerError(.typeMismatch, "the reference to object #\(reference.id) says \(reference.typeID), but that object is a \(found.type.typeID)")
            }
        case .array(let items):
            for item in items { try checkReferences(in: item) }
        case .map(let entries):
            for (key, item) in entries {
                try checkReferences(in: key)
                try checkReferences(in: item)
            }
        case .null, .bool, .int, .double, .string, .bytes:
            break
        }
    }

    /// Creates an object of a registered type, or opens the one already bound to `name`.
    /// - Parameter caller: The call that creates it, journaled with its reply (the reference),
    ///   so that a retry of the call after a restart opens the same object.
    func create(typeID: String, name: String?, arguments: [Value], caller: (session: String, request: UInt64)? = nil) throws(ManagerError) -> ObjectReference {
        guard let type = registry[typeID] else {
            throw ManagerError(.valueError, "no type '\(typeID)' is registered; this manager offers \(registry.typeIDs.joined(separator: ", "))")
        }
        // A name every journal stores: PostgreSQL's text holds no NUL, and a checkpoint that
        // cannot write a name would never succeed again.
        if let name, name.unicodeScalars.contains("\0") {
            throw ManagerError(.valueError, "an object's name cannot contain NUL (U+0000)")
        }
        if let name, let id = names[ExactString(name)], let existing = objects[id] {
            guard existing.type.typeID == typeID else {
                throw ManagerError(.typeMismatch, "'\(name)' exists as a \(existing.type.typeID), not a \(typeID)")
            }
            return ObjectReference(id: id, typeID: typeID)
        }
        let context = SharedObjectType.CreationContext { reference throws(ManagerError) in
            try self.entry(for: reference.id).object
        }
        let created = try type.create(Arguments(method: typeID, values: arguments, maxValueSize: maxValueSize), context)
        return keep(created, type: type, name: name, arguments: arguments, caller: caller)
    }

    /// Keeps a new object under a new id and journals its creation when its type is durable.
    private func keep(
        _ object: any SharedObject, type: SharedObjectType, name: String?, arguments: [Value],
        caller: (session: String, request: UInt64)? = nil
    ) -> ObjectReference {
        let id = epoch << ObjectReference.epochShift | nextSerial
        nextSerial += 1
        objects[id] = Entry(type: type, object: object, name: name)
        if let name { names[ExactString(name)] = id }
        let reference = ObjectReference(id: id, typeID: type.typeID)
        if type.isDurable, let journal {
            var record: [Value] = [.string(type.typeID), name.map(Value.string) ?? .null, .array(arguments)]
            if type.recordsCreatedState { record.append(object.currentState) }
            journal.append(object: id, op: StoreOp.create.rawValue, arguments: record, caller: caller, reply: caller.map { _ in .reference(reference) })
            renamedSinceCheckpoint.insert(id)
        }
        activate(id)
        return reference
    }

    /// Lets the object under `id` start to serve: its timers, and records of changes no call makes.
    func activate(_ id: UInt64) {
        objects[id]?.object.activate(ObjectContext(id: id, store: self))
    }

    /// The manager stops serving: parked calls are refused and timers stop (a lease that would
    /// expire), so that nothing changes after the final checkpoint and the next start replays
    /// nothing. The next start restores the objects and starts their timers again.
    func stopServing() {
        let stopping = ManagerError(.shuttingDown, "the manager is shutting down")
        for entry in objects.values { entry.object.failWaiters(stopping) }
    }

    /// Keeps an object a method returned, as an anonymous object of the type the method names;
    /// the same object returned again is the same shared object, as Python's `id()` makes it.
    private func keepReturned(_ child: AnyObject, typeID: String, from method: String) throws(ManagerError) -> ObjectReference {
        let identity = ObjectIdentifier(child)
        if let id = returnedIDs[identity], let entry = objects[id] {
            return ObjectReference(id: id, typeID: entry.type.typeID)
        }
        guard let type = registry[typeID], let object = try type.adopt?(child) else {
            throw ManagerError(.wrongType, "'\(method)' returned a \(Swift.type(of: child)), which is not a registered \(typeID)")
        }
        let reference = keep(object, type: type, name: nil, arguments: [])
        objects[reference.id]?.returned = identity
        returnedIDs[identity] = reference.id
        return reference
    }

    /// Forgets an object (dropped, or about to be read back from the journal).
    func remove(_ id: UInt64) {
        if let identity = objects[id]?.returned { returnedIDs[identity] = nil }
        if let name = objects[id]?.name, names[ExactString(name)] == id { names[ExactString(name)] = nil }
        objects[id] = nil
    }

    /// Unbinds `name`; the object lives on while something refers to it.
    func deleteName(_ name: String) -> Bool {
        guard let id = names.removeValue(forKey: ExactString(name)) else { return false }
        objects[id]?.name = nil
        if objects[id]?.type.isDurable == true, let journal {
            journal.append(object: id, op: StoreOp.unname.rawValue, arguments: [])
            renamedSinceCheckpoint.insert(id)
        }
        scheduleSweep()
        return true
    }

    // MARK: Sessions and lifetime

    func openSession(id: String) -> Session {
        let session = sessions[id] ?? Session(id: id, startedAt: eventLoop.now)
        sessions[id] = session
        session.connectionOpened()
        return session
    }

    func connectionClosed(_ session: Session) {
        session.connectionClosed(at: eventLoop.now)
        guard session.connectionCount == 0 else { return }
        session.expiry = eventLoop.assumeIsolated().scheduleTask(in: sessionGrace) { [weak self] in
            self?.endSession(session)
        }
    }

    /// Ends a session whose client did not come back: its locks and permits are released and
    /// its proxies no longer keep anything alive.
    func endSession(_ session: Session) {
        guard sessions[session.id] === session, session.connectionCount == 0 else { return }
        sessions[session.id] = nil
        replies.sessionEnded(session.id)
        for entry in objects.values { entry.object.sessionEnded(session.id) }
        logger.debug("session ended", metadata: ["session": "\(session.id)"])
        scheduleSweep()
    }

    func release(_ objectIDs: [UInt64], from session: Session) {
        var dropped = false
        for id in objectIDs where session.release(id) { dropped = true }
        if dropped { scheduleSweep() }
    }

    /// Anonymous objects live while a proxy or another live object refers to them. A sweep marks
    /// what named objects and sessions reach and drops the rest; it runs once per loop tick
    /// however many proxies were released in it.
    func scheduleSweep() {
        guard !sweepScheduled else { return }
        sweepScheduled = true
        eventLoop.assumeIsolated().execute { [self] in
            sweepScheduled = false
            sweep()
        }
    }

    private func sweep() {
        if let keepRestoredUntil, NIODeadline.now() < keepRestoredUntil { return }
        keepRestoredUntil = nil
        var reached = Set(names.values)
        for session in sessions.values { reached.formUnion(session.references.keys) }
        for (id, entry) in objects where entry.object.hasParkedCalls { reached.insert(id) }
        var frontier = Array(reached)
        while let id = frontier.popLast() {
            for reference in objects[id]?.object.heldReferences ?? [] where reached.insert(reference.id).inserted {
                frontier.append(reference.id)
            }
        }
        let unreached = objects.keys.filter { !reached.contains($0) }
        for id in unreached {
            if objects[id]?.type.isDurable == true, let journal {
                journal.append(object: id, op: StoreOp.drop.rawValue, arguments: [])
                droppedSinceCheckpoint.insert(id)
                renamedSinceCheckpoint.remove(id)
            }
            remove(id)
        }
        if !unreached.isEmpty {
            logger.debug("released unreferenced objects", metadata: ["count": "\(unreached.count)"])
        }
    }
}
