import DurableManager
import DurableWire
import Foundation
import Logging
import Proxies
import ServiceLifecycle

/// Asks the manager for its live state once per `interval` and publishes it as a
/// ``DashboardSnapshot``; reads the journal's new records beside it.
///
/// It is an ordinary authenticated client, like `durablectl objects` and `sessions`: the manager
/// answers it on its loop between other calls, so its cost is bounded (three calls a second)
/// whatever the number of open pages or scrapes.
struct DashboardPoller: Service {
    let managerAddress: ManagerAddress
    let authkey: Authkey
    let journalPath: String?
    let journalSchema: String
    let interval: Duration
    let state: DashboardState
    let metrics: DashboardMetrics
    let logger: Logger

    func run() async throws {
        var connection: ManagerConnection?
        var journal = JournalTail(path: journalPath, postgresSchema: journalSchema)
        var warned = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let link: ManagerConnection
                if let connection { link = connection } else {
                    link = try await ManagerConnection.connect(to: managerAddress, authkey: authkey, sessionID: Self.sessionPrefix + ManagerConnection.randomSessionID())
                    connection = link
                }
                try await poll(link, journal: &journal)
                warned = false
            } catch {
                // The manager may not listen yet at start-up; say it once per outage, not every second.
                if !warned { logger.notice("the dashboard cannot reach the manager yet: \(error)") }
                warned = true
                if let connection { await connection.close() }
                connection = nil
                state.update {
                    $0.reachable = false
                    $0.lastError = "\(error)"
                }
            }
            try? await Task.sleep(for: interval)
        }
        if let connection { await connection.close() }
    }

    private func poll(_ link: ManagerConnection, journal: inout JournalTail) async throws {
        let info = try await link.call(0, "ping", [])
        let objects = try await link.call(0, "describe", [])
        let sessions = try await link.call(0, "sessions", [])
        // Calls by type, method and outcome since the start, and the latencies since the last poll.
        metrics.recordCalls(try await link.call(0, "callStatistics", []))
        let now = Date().timeIntervalSince1970
        guard case .array(let objectList) = objects, case .array(let sessionList) = sessions else {
            throw ManagerError(.protocolError, "the manager answered describe or sessions with something other than a list")
        }
        // The dashboard's own sessions (this poller's, a page's object view) are not the operator's.
        let others = sessionList.filter { session in
            guard case .string(let id)? = session[field: "id"] else { return true }
            return !id.hasPrefix(Self.sessionPrefix)
        }
        let newRecords = journal.read(names: Self.names(objectList), logger: logger)
        var depths: [String: Int] = [:]
        for object in objectList where Self.isQueue(object) {
            depths[Self.label(object)] = Int(object[field: "size"]?.intValue ?? 0)
        }
        var published = DashboardSnapshot()
        state.update { snapshot in
            snapshot.info = info
            snapshot.objects = objectList
            snapshot.sessions = others
            snapshot.records.append(contentsOf: newRecords)
            if snapshot.records.count > DashboardSnapshot.recordsKept {
                snapshot.records.removeFirst(snapshot.records.count - DashboardSnapshot.recordsKept)
            }
            snapshot.queueDepths.append(QueueDepthSample(time: now, depths: depths))
            if snapshot.queueDepths.count > DashboardSnapshot.samplesKept {
                snapshot.queueDepths.removeFirst(snapshot.queueDepths.count - DashboardSnapshot.samplesKept)
            }
            snapshot.polledAt = now
            snapshot.reachable = true
            snapshot.lastError = nil
            published = snapshot
        }
        metrics.record(published)
        // A file's size and its WAL's; a database's size is PostgreSQL's to report.
        if let journalPath, !PostgresJournalAddress.isPostgresURI(journalPath) { metrics.recordJournalFiles(at: journalPath) }
    }

    /// How the dashboard's own sessions start, so that the sessions view leaves them out.
    static let sessionPrefix = "dashboard-"

    /// One object's description with its whole state: `describe [id]`, on its own connection so
    /// that a slow answer does not hold up the poll.
    func describe(_ object: Value) async throws -> Value {
        let link = try await ManagerConnection.connect(to: managerAddress, authkey: authkey, sessionID: Self.sessionPrefix + ManagerConnection.randomSessionID())
        do {
            let reply = try await link.call(0, "describe", [object])
            await link.close()
            return reply
        } catch {
            await link.close()
            throw error
        }
    }

    /// Each object's name and type by id, so journal records name what they changed.
    private static func names(_ objects: [Value]) -> [Int64: (name: Value, type: Value)] {
        var names: [Int64: (name: Value, type: Value)] = [:]
        for object in objects {
            if let id = object[field: "id"]?.intValue { names[id] = (object[field: "name"] ?? .null, object[field: "type"] ?? .null) }
        }
        return names
    }

    /// Queues of every kind (Queue, JoinableQueue, WorkQueue): their size is their depth.
    static func isQueue(_ object: Value) -> Bool {
        guard case .string(let type)? = object[field: "type"] else { return false }
        return type.hasSuffix("Queue")
    }

    /// An object as a metric label or chart series: its name, or `#id`.
    static func label(_ object: Value) -> String {
        if case .string(let name)? = object[field: "name"] { return name }
        return "#\(object[field: "id"]?.intValue ?? 0)"
    }
}
