import DurableWire
import NIOCore
import OrderedCollections

/// The methods of object 0, the manager itself: creating and opening objects, listing them,
/// and the operator's calls.
extension ObjectStore {
    static let managerMethods = ["adopt", "callStatistics", "checkpoint", "create", "delete", "describe", "objects", "ping", "sessions", "shutdown"]

    func callManager(_ method: String, _ arguments: Arguments, _ call: PendingCall) throws(ManagerError) -> CallOutcome {
        switch method {
        case "adopt":
            // A client that reconnected (after a disconnect or a restart of the manager) names the
            // objects its proxies refer to, with how many proxies each.
            try arguments.expect(1...1)
            guard case .map(let held) = arguments[0] else {
                throw .wrongType(method: method, expected: "a map from object id to proxy count", got: arguments[0])
            }
            var counts: [UInt64: Int] = [:]
            for (key, value) in held {
                guard case .int(let id) = key, case .int(let count) = value else {
                    throw .wrongType(method: method, expected: "int ids and counts", got: key)
                }
                counts[UInt64(bitPattern: id)] = Int(count)
            }
            call.session.adopt(counts)
            scheduleSweep()
            return .returned(.null)
        case "checkpoint":
            try arguments.expect(0...0)
            guard let journal else { throw ManagerError(.valueError, "this manager keeps no journal") }
            journal.checkpoint().assumeIsolated().whenComplete { result in
                switch result {
                case .success: call.complete(.success(.null))
                case .failure(let error): call.complete(.failure(ManagerError(.journalFailure, "the checkpoint failed: \(error)")))
                }
            }
            return .parked
        case "sessions":
            try arguments.expect(0...0)
            return .returned(describeSessions(asking: call.session, at: eventLoop.now))
        case "create":
            return .returned(try callCreate(arguments, caller: call.caller))
        default:
            return .returned(try callManagerNow(method, arguments))
        }
    }

    /// `create(typeID, name, [arguments])`: opens the object of that name, or creates one.
    private func callCreate(_ arguments: Arguments, caller: (session: String, request: UInt64)) throws(ManagerError) -> Value {
        let method = arguments.method
        try arguments.expect(2...3)
        let name: String?
        switch arguments[1] {
        case .null: name = nil
        case .string(let text) where !text.isEmpty: name = text
        case let other: throw .wrongType(method: method, expected: "a non-empty name or null", got: other)
        }
        var creationArguments: [Value] = []
        if arguments.count == 3 {
            guard case .array(let values) = arguments[2] else {
                throw .wrongType(method: method, expected: "a list of creation arguments", got: arguments[2])
            }
            creationArguments = values
        }
        return .reference(try create(typeID: try arguments.string(0), name: name, arguments: creationArguments, caller: caller))
    }

    private func callManagerNow(_ method: String, _ arguments: Arguments) throws(ManagerError) -> Value {
        switch method {
        case "describe":
            // [] every object; [id] or [name] one, with its state.
            try arguments.expect(0...1)
            guard arguments.count == 1 else { return describeObjects(at: eventLoop.now) }
            if case .string(let name) = arguments[0] {
                guard let id = names[ExactString(name)] else {
                    throw ManagerError(.unknownObject, "no object is named '\(name)' in this manager")
                }
                return try describeObject(id, at: eventLoop.now)
            }
            return try describeObject(UInt64(bitPattern: try arguments.int(0)), at: eventLoop.now)
        case "callStatistics":
            // For `serve --http`'s /metrics: running counts, and the latencies since the last read.
            try arguments.expect(0...0)
            return callStatistics.read()
        case "delete":
            try arguments.expect(1...1)
            return .bool(deleteName(try arguments.string(0)))
        case "objects":
            try arguments.expect(0...0)
            return .array(objects.sorted { $0.key < $1.key }.map { id, entry in
                ["id": .int(Int64(bitPattern: id)), "type": .string(entry.type.typeID), "name": entry.name.map(Value.string) ?? .null]
            })
        case "ping":
            try arguments.expect(0...0)
            let uptime = Double((NIODeadline.now() - startedAt).nanoseconds) / 1e9
            var fields: OrderedDictionary<Value, Value> = [
                "role": .string(standbyFor == nil ? "active" : "standby"),
                "epoch": .int(Int64(bitPattern: epoch)),
                "uptime": .double(uptime),
                "clients": .int(Int64(connectedSessions)),
                "sessions": .int(Int64(sessions.count)),
                "objects": .int(Int64(objects.count)),
                "journal": journal.map { .string($0.file.path) } ?? standbyFor.map(Value.string) ?? .null,
                "journalRecords": journal.map { .int(Int64($0.recordsSinceCheckpoint)) } ?? .null,
            ]
            if let journal {
                // How well commits are grouped: totals since the start, rates over the last ~10 s.
                let (total, recent) = journal.statisticsNow()
                fields["durability"] = .string("\(journal.durability)")
                fields["commits"] = .int(Int64(total.commits))
                fields["recordsCommitted"] = .int(Int64(total.records))
                fields["recordsPerCommit"] = .double((total.recordsPerCommit * 100).rounded() / 100)
                fields["fsyncs"] = .int(Int64(total.fsyncs))
                fields["walCheckpoints"] = .int(Int64(total.walCheckpoints))
                fields["checkpoints"] = .int(Int64(total.checkpoints))
                fields["commitsPerSecond"] = .double(recent.commits.rounded())
                fields["recordsPerSecond"] = .double(recent.records.rounded())
                fields["fsyncsPerSecond"] = .double(recent.fsyncs.rounded())
            }
            fields["types"] = .array(registry.typeIDs.map(Value.string))
            return .map(fields)
        case "shutdown":
            try arguments.expect(0...0)
            // Answer first: the caller learns the request was taken before its connection closes.
            eventLoop.assumeIsolated().execute { [self] in onShutdownRequest() }
            return .null
        default:
            throw ManagerError(.notExposed, "the manager has no method '\(method)'; it has \(Self.managerMethods.joined(separator: ", "))")
        }
    }
}
