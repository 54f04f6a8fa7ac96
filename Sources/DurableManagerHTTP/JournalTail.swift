import DurableManager
import DurableWire
import Logging

/// The journal's records after the last one read, as the API shows them: what `durablectl
/// journal --json` prints, read the same way (a read-only reader beside the manager's writer:
/// SQLite's WAL, or a PostgreSQL session that takes no lease, lets it run without blocking it).
struct JournalTail {
    private var reader: JournalReader?
    private let path: String?
    private let postgresSchema: String
    private var last: UInt64?

    init(path: String?, postgresSchema: String) {
        self.path = path
        self.postgresSchema = postgresSchema
    }

    /// New records since the previous read (the newest ``DashboardSnapshot/recordsKept`` at the
    /// first), with the names of the objects they changed; none when there is no journal.
    mutating func read(names: [Int64: (name: Value, type: Value)], logger: Logger) -> [Value] {
        guard let path else { return [] }
        do {
            let reader = try self.reader ?? JournalReader(path: path, postgresSchema: postgresSchema)
            self.reader = reader
            var after = try last ?? reader.tailStart(DashboardSnapshot.recordsKept)
            let (folded, records) = try reader.newRecords(after: after, limit: 1_000)
            if let folded { after = folded.upperBound }
            last = records.last?.seq ?? after
            return records.map { record in
                let object = Int64(bitPattern: record.object)
                let known = names[object]
                return [
                    "seq": .int(Int64(bitPattern: record.seq)),
                    "time": .double(record.time),
                    "object": .int(object),
                    "name": known?.name ?? .null,
                    "type": known?.type ?? .null,
                    "op": .string(record.op),
                    "args": .array(record.arguments),
                    "session": record.session.map(Value.string) ?? .null,
                    "request": record.request.map { .int(Int64(bitPattern: $0)) } ?? .null,
                ]
            }
        } catch {
            // The error names the journal without a password; the path may hold one.
            logger.warning("the dashboard could not read the journal: \(error)")
            reader = nil
            return []
        }
    }
}
