/// What one worker process does in a run: its role, its untimed warm-up and its timed calls.
struct BenchAssignment: Sendable, Equatable {
    enum Role: String, Codable, Sendable {
        /// Repeats the run's operation (every op but queue).
        case calls
        /// Puts items on the queue.
        case put
        /// Takes items off the queue.
        case get
    }

    let role: Role
    /// Calls (or items) before the clock starts; they also open the worker's connection.
    let warmUp: Int
    /// Calls (or items) timed.
    let count: Int
}
