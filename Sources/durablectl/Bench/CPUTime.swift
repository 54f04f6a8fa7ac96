#if canImport(Glibc)
import Glibc
#endif

/// CPU time a process used, user and system apart, in nanoseconds.
struct CPUTime: Codable, Sendable, Equatable {
    var user: Int64
    var system: Int64

    static let zero = CPUTime(user: 0, system: 0)

    var total: Int64 { user + system }

    /// What this process has used so far, over all its threads (the connection's event loop and
    /// the concurrency pool included): `getrusage(RUSAGE_SELF)`, in microseconds.
    static func ofThisProcess() -> CPUTime {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return CPUTime(user: nanoseconds(usage.ru_utime), system: nanoseconds(usage.ru_stime))
    }

    static func + (left: CPUTime, right: CPUTime) -> CPUTime {
        CPUTime(user: left.user + right.user, system: left.system + right.system)
    }

    static func - (left: CPUTime, right: CPUTime) -> CPUTime {
        CPUTime(user: left.user - right.user, system: left.system - right.system)
    }

    private static func nanoseconds(_ time: timeval) -> Int64 {
        Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_usec) * 1000
    }
}
