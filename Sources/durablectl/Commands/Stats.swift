import ArgumentParser
import DurableManager
import DurableWire
import Foundation

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a journal: whether a manager runs on it, records, sizes, last checkpoint, epoch, objects by type.",
        discussion: """
            Reads the journal file directly and read-only: safe while a manager runs on it.

            The first line says what state the journal is in: `running (pid N)`; `stopped \
            cleanly: the next start replays nothing`; or `stopped without a clean stop \
            (crashed or killed): the next start replays N records`. --json gives the same as \
            state (running, stoppedCleanly, stoppedUncleanly), running, managerPid and \
            nextStartReplays (null while running).

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
            let state = RunState(running: running, facts: facts)
            let fields: [(String, Value)] = [
                ("path", .string(reader.path)),
                ("schemaVersion", .int(Int64(facts.schemaVersion))),
                ("epoch", .int(Int64(facts.epoch))),
                ("state", .string(state.code)),
                ("running", .bool(running != nil)),
                ("managerPid", running.map { .int(Int64($0)) } ?? .null),
                ("nextStartReplays", state.nextStartReplays.map { .int(Int64($0)) } ?? .null),
                ("records", .int(Int64(facts.records))),
                ("firstSeq", facts.firstSeq.map { .int(Int64($0)) } ?? .null),
                ("lastSeq", .int(Int64(facts.lastSeq ?? facts.checkpointSeq))),
                ("checkpointSeq", .int(Int64(facts.checkpointSeq))),
                ("lastCheckpointTime", facts.lastCheckpointTime.map(Value.double) ?? .null),
                ("databaseBytes", journal.isPostgres ? .null : .int(fileSize(journal.path))),
                ("walBytes", journal.isPostgres ? .null : .int(fileSize(journal.path + "-wal"))),
                ("objects", .int(Int64(live.count))),
                ("objectsByType", .map(.init(uniqueKeysWithValues: byType.sorted { $0.key < $1.key }.map { (.string($0), .int(Int64($1))) }))),
            ]
            if json {
                printJSON(.map(.init(uniqueKeysWithValues: fields.map { (.string($0), $1) })))
                return
            }
            // One sentence says what the three fields say together, so that the journal's
            // "not stopped cleanly" is never read as a crash while the manager runs.
            print("state: \(state)")
            for (key, value) in fields where !["state", "running", "managerPid", "nextStartReplays"].contains(key) {
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
