import DurableWire
import NIOCore
import OrderedCollections

/// The operator's live views (`durablectl objects`, `show`, `sessions`): every object as it
/// describes itself, and every session with what it holds and waits on. Both are read on the
/// loop like any call, so they are a consistent instant of the manager.
extension ObjectStore {
    /// Every object, by id: its type, name, size, a summary in words and its live fields.
    func describeObjects(at now: NIODeadline) -> Value {
        .array(objects.sorted { $0.key < $1.key }.map { id, entry in .map(description(of: id, entry, at: now)) })
    }

    /// One object's description, with its whole state: a durable object's contents, null for a
    /// primitive, which keeps none.
    func describeObject(_ id: UInt64, at now: NIODeadline) throws(ManagerError) -> Value {
        let entry = try entry(for: id)
        var fields = description(of: id, entry, at: now)
        fields["state"] = entry.object.liveState(at: now)
        return .map(fields)
    }

    private func description(of id: UInt64, _ entry: Entry, at now: NIODeadline) -> OrderedDictionary<Value, Value> {
        let described = entry.object.describe(at: now)
        return [
            "id": .int(Int64(bitPattern: id)),
            "type": .string(entry.type.typeID),
            "name": entry.name.map(Value.string) ?? .null,
            "durable": .bool(entry.type.isDurable),
            "size": described.size.map { .int(Int64($0)) } ?? .null,
            "summary": .string(described.summary),
            "live": .map(described.fields),
        ]
    }

    /// Every session, oldest first: its connections, age, how long it has been disconnected and
    /// how long its grace period has left, the objects its proxies refer to, what its callers
    /// hold (found through the objects' holders) and what its calls wait on. `asking` is the
    /// session of the caller, marked so that a tool can tell itself apart.
    func describeSessions(asking: Session, at now: NIODeadline) -> Value {
        var holds: [String: [Value]] = [:]
        for (id, entry) in objects.sorted(by: { $0.key < $1.key }) {
            for holder in entry.object.describe(at: now).holders {
                var hold = objectFields(id, entry)
                hold["caller"] = holder.caller.map { .string(String($0)) } ?? .null
                hold["count"] = .int(Int64(holder.count))
                holds[holder.session, default: []].append(.map(hold))
            }
        }
        let grace = Double(sessionGrace.nanoseconds) / 1e9
        return .array(sessions.values.sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }.map { session in
            let disconnectedFor = session.disconnectedAt.map { elapsedSeconds(from: $0, to: now) }
            let waiting = session.waiting.sorted { ($0.key.object, $0.key.method) < ($1.key.object, $1.key.method) }.map { call, count in
                var fields = objects[call.object].map { objectFields(call.object, $0) } ?? ["id": .int(Int64(bitPattern: call.object))]
                fields["method"] = .string(call.method)
                fields["calls"] = .int(Int64(count))
                return Value.map(fields)
            }
            return [
                "id": .string(session.id),
                "connections": .int(Int64(session.connectionCount)),
                "age": ObjectDescription.seconds(from: session.startedAt, to: now),
                "disconnectedFor": disconnectedFor.map(Value.double) ?? .null,
                "endsIn": disconnectedFor.map { .double(max(0, grace - $0)) } ?? .null,
                "objects": .int(Int64(session.references.count)),
                "proxies": .int(Int64(session.references.values.reduce(0, +))),
                "holds": .array(holds[session.id] ?? []),
                "waiting": .array(waiting),
                "asking": .bool(session === asking),
            ]
        })
    }

    /// An object as the sessions view names it: id, name and type.
    private func objectFields(_ id: UInt64, _ entry: Entry) -> OrderedDictionary<Value, Value> {
        ["id": .int(Int64(bitPattern: id)), "name": entry.name.map(Value.string) ?? .null, "type": .string(entry.type.typeID)]
    }
}
