import ArgumentParser
import DurableManager
import DurableWire
import Foundation

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a journal: records, sizes, last checkpoint and stop, epoch, objects by type.",
        discussion: """
            Reads the journal file directly and read-only: safe while a manager runs on it.

            Exit codes: 0 done, 65 damaged, 66 no such file, 76 newer version, 78 not a journal.

            Examples:
              durablectl stats
              durablectl stats --journal /var/lib/jobs/manager.sqlite --json
            """
    )

    @OptionGroup var journal: JournalOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() async throws {
        try await reportingFailures {
            let reader = try journal.openReader()
            let facts = try reader.facts()
            // From the checkpoint's rows and the create and drop records: no replay of states.
            let live = try reader.objectNames().values.filter { !$0.isDropped }
            let running = reader.runningManager()
            var byType: [String: Int] = [:]
            for object in live { byType[object.typeID, default: 0] += 1 }
            let fields: [(String, Value)] = [
                ("path", .string(journal.path)),
                ("schemaVersion", .int(Int64(facts.schemaVersion))),
                ("epoch", .int(Int64(facts.epoch))),
                ("running", .bool(running != nil)),
                ("managerPid", running.map { .int(Int64($0)) } ?? .null),
                ("cleanShutdown", .bool(facts.cleanShutdown)),
                ("records", .int(Int64(facts.records))),
                ("firstSeq", facts.firstSeq.map { .int(Int64($0)) } ?? .null),
                ("lastSeq", .int(Int64(facts.lastSeq ?? facts.checkpointSeq))),
                ("checkpointSeq", .int(Int64(facts.checkpointSeq))),
                ("lastCheckpointTime", facts.lastCheckpointTime.map(Value.double) ?? .null),
                ("databaseBytes", .int(fileSize(journal.path))),
                ("walBytes", .int(fileSize(journal.path + "-wal"))),
                ("objects", .int(Int64(live.count))),
                ("objectsByType", .map(.init(uniqueKeysWithValues: byType.sorted { $0.key < $1.key }.map { (.string($0), .int(Int64($1))) }))),
            ]
            if json {
                printJSON(.map(.init(uniqueKeysWithValues: fields.map { (.string($0), $1) })))
                return
            }
            for (key, value) in fields {
                let text: String = switch (key, value) {
                case ("lastCheckpointTime", .double(let time)): isoTime(time)
                case ("lastCheckpointTime", .null): "never"
                case (_, .string(let text)): text
                case (_, .null): "-"
                case (_, .map): byType.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
                default: value.jsonText()
                }
                print("\(key): \(text)")
            }
        }
    }

    private func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}

/// A record's or checkpoint's time as ISO 8601 in UTC, to the millisecond.
func isoTime(_ seconds: Double) -> String {
    Date(timeIntervalSince1970: seconds).formatted(isoStyle)
}

/// Made once: a formatter per call made `durablectl journal` twelve times slower than `--json`.
private let isoStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
