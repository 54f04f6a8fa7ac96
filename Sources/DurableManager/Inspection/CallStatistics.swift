import DurableWire
import NIOCore
import OrderedCollections

/// Calls counted by object type, method and outcome, with the latencies of the calls since the
/// last read: what `serve --http`'s `/metrics` turns into a counter and a histogram.
///
/// Kept on the loop (no lock): a completed call adds one to a dictionary entry and appends one
/// number, bounded by ``maxSamples`` between reads so that a dashboard that stops reading cannot
/// grow it. Read with the manager method `callStatistics`, which empties the latencies.
final class CallStatistics {
    /// Whether calls are counted (`ManagerServer.Configuration.countsCalls`): a manager nobody
    /// watches spends nothing on it per call.
    var isCounting = false

    private struct Key: Hashable {
        var type: String
        var method: String
        var outcome: String
    }

    private var counts: [Key: Int] = [:]
    /// (type, seconds) of the calls completed since the last read.
    private var latencies: [(type: String, seconds: Double)] = []
    private var droppedLatencies = 0

    /// The method label of calls to a method the type does not have.
    static let unexposedLabel = "(not exposed)"

    /// `method` as a label: itself when the type has it, else ``unexposedLabel``, so that the
    /// labels are the types' methods, not whatever names clients send.
    static func label(_ method: String, exposed: Bool) -> String {
        exposed ? method : unexposedLabel
    }

    /// Latencies kept between two reads; past it they are counted as dropped.
    static let maxSamples = 20_000

    /// Counts one completed call; `outcome` is `ok` or the error's code.
    func record(type: String, method: String, outcome: String, since start: NIODeadline, now: NIODeadline) {
        counts[Key(type: type, method: method, outcome: outcome), default: 0] += 1
        if latencies.count < Self.maxSamples {
            latencies.append((type, Double((now - start).nanoseconds) / 1e9))
        } else {
            droppedLatencies += 1
        }
    }

    /// `{calls: [{type, method, outcome, count}], latencies: [[type, seconds]], dropped}`: running
    /// counts, and the latencies since the previous read, which this read empties.
    func read() -> Value {
        let calls: [Value] = counts.sorted { ($0.key.type, $0.key.method, $0.key.outcome) < ($1.key.type, $1.key.method, $1.key.outcome) }.map {
            ["type": .string($0.key.type), "method": .string($0.key.method), "outcome": .string($0.key.outcome), "count": .int(Int64($0.value))]
        }
        let value: Value = [
            "calls": .array(calls),
            "latencies": .array(latencies.map { .array([.string($0.type), .double($0.seconds)]) }),
            "dropped": .int(Int64(droppedLatencies)),
        ]
        latencies.removeAll(keepingCapacity: true)
        droppedLatencies = 0
        return value
    }
}
