package import DurableWire
package import NIOCore
package import OrderedCollections

/// One call in flight in the manager: answered at once, or parked on an object until a
/// put, a release, a notify or its deadline completes it.
///
/// It is completed exactly once; later completions are ignored, so a waiter that times out
/// in the same tick as it is woken cannot be answered twice.
package final class PendingCall {
    package let requestID: UInt64
    /// The object called.
    package let target: UInt64
    package let method: String
    package let session: Session
    /// The caller inside the client (a task), for lock ownership.
    package let owner: LockOwner
    private let link: ClientLink
    /// Where the object's records go; nil for an object that keeps no journal.
    private let journal: Journal?
    /// Where a successful reply is remembered, for a call that changes something: sent again,
    /// the call gets that reply and is not applied twice. Nil for a call that changes nothing.
    private let replies: ReplyMemory?

    /// Set while the call is parked: takes it off whatever queue it waits in.
    package var unpark: (() -> Void)?

    package private(set) var isCompleted = false
    /// Where the completed call is counted, under `typeID`, from `startedAt`; nil counts nothing.
    private let statistics: CallStatistics?
    private let typeID: String
    /// The method as counted: its name, or ``CallStatistics/unexposedLabel`` for one the type lacks.
    private let countedMethod: String
    private let startedAt: NIODeadline

    init(
        requestID: UInt64, target: UInt64, method: String, session: Session, owner: UInt64, link: ClientLink,
        journal: Journal?, replies: ReplyMemory?, statistics: CallStatistics? = nil, typeID: String = "manager", countedMethod: String? = nil
    ) {
        self.statistics = statistics
        self.typeID = typeID
        self.countedMethod = countedMethod ?? method
        self.startedAt = statistics == nil ? .uptimeNanoseconds(0) : .now()
        self.requestID = requestID
        self.target = target
        self.journal = journal
        self.replies = replies
        self.method = method
        self.session = session
        self.owner = LockOwner(session: session.id, owner: owner)
        self.link = link
    }

    /// The event loop every object lives on; blocking methods schedule their deadlines here.
    package var eventLoop: any EventLoop { link.eventLoop }

    /// The session and request id that name this call in the journal and the reply memory.
    var caller: (session: String, request: UInt64) { (session.id, requestID) }

    /// Appends a journal record for the called object, with this call's `reply`, which a retry
    /// of the call gets after a restart. The reply of every call that could see the change
    /// waits until the record is committed.
    /// - Parameter reply: Nil when the reply is not known yet (a reference the store makes later).
    package func record(_ op: String, _ arguments: [Value], reply: Value?) {
        journal?.append(object: target, op: op, arguments: arguments, caller: caller, reply: reply)
    }

    /// Sends the reply. Only the first completion counts.
    package func complete(_ result: Result<Value, ManagerError>) {
        guard !isCompleted else { return }
        isCompleted = true
        if unpark != nil {
            unpark = nil
            link.parkedCallEnded(self)
            session.parkedCallEnded(self)
        }
        session.noteReturned(result)
        if let statistics {
            let outcome: String
            switch result {
            case .success: outcome = "ok"
            case .failure(let error): outcome = error.code.name
            }
            statistics.record(type: typeID, method: countedMethod, outcome: outcome, since: startedAt, now: .now())
        }
        if let replies, case .success(let value) = result { replies.remember(session: session.id, request: requestID, reply: value) }
        link.send(.reply(id: requestID, result: result))
    }

    /// Marks the call as parked on an object; `unpark` takes it off the object's queue when the
    /// caller cancels or disconnects.
    package func park(unpark: @escaping () -> Void) {
        self.unpark = unpark
        link.parkedCallStarted(self)
        session.callParked(self)
    }

    /// Takes a parked call off its queue and answers it with `error` (if the link still lives).
    func abandon(_ error: ManagerError) {
        guard let unpark else { return }
        unpark()
        complete(.failure(error))
    }
}

/// Who holds a lock: a caller (task) inside a client session, as a Python lock is held by a thread.
package struct LockOwner: Hashable, CustomStringConvertible {
    package var session: String
    package var owner: UInt64

    package var description: String { "session \(session) caller \(owner)" }

    /// The owner for an operator's JSON; the caller as a string, since a task's number uses all
    /// 64 bits and JSON readers keep only 53.
    package var fields: OrderedDictionary<Value, Value> { ["session": .string(session), "caller": .string(String(owner))] }
}
