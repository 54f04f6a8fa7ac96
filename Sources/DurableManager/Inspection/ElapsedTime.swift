package import NIOCore

/// Seconds between two instants of the loop's clock.
package func elapsedSeconds(from start: NIODeadline, to now: NIODeadline) -> Double {
    Double(max(0, (now - start).nanoseconds)) / 1e9
}

/// A span of time in words an operator reads at a glance: "0.4 s", "12.0 s", "3 min 20 s",
/// "2 h 5 min", "3 d 4 h".
package func elapsedText(_ seconds: Double) -> String {
    let whole = Int(seconds.rounded(.down))
    switch whole {
    case ..<60: return "\((seconds * 10).rounded() / 10) s"
    case ..<3600: return "\(whole / 60) min \(whole % 60) s"
    case ..<86400: return "\(whole / 3600) h \(whole % 3600 / 60) min"
    default: return "\(whole / 86400) d \(whole % 86400 / 3600) h"
    }
}
