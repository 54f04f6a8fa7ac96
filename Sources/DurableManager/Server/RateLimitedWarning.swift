import Logging
import NIOCore
import Synchronization

/// A warning logged at most once per interval, with how many times it happened in between:
/// a condition that repeats thousands of times a second (a full fd table, a full manager) is one
/// line every few seconds, not a flood.
final class RateLimitedWarning: Sendable {
    private struct State {
        var lastLogged: NIODeadline?
        var suppressed = 0
    }

    private let message: Logger.Message
    private let interval: TimeAmount
    private let logger: Logger
    private let state = Mutex(State())

    init(_ message: Logger.Message, every interval: TimeAmount = .seconds(10), logger: Logger) {
        self.message = message
        self.interval = interval
        self.logger = logger
    }

    func happened(_ metadata: Logger.Metadata = [:]) {
        let now = NIODeadline.now()
        let repeats: Int? = state.withLock { state in
            if let last = state.lastLogged, now - last < interval {
                state.suppressed += 1
                return nil
            }
            defer { state.suppressed = 0 }
            state.lastLogged = now
            return state.suppressed
        }
        guard let repeats else { return }
        logger.warning(message, metadata: metadata.merging(["since_last_line": "\(repeats)"]) { $1 })
    }
}
