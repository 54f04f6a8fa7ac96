#if canImport(Glibc)
import Glibc
#endif

/// CLOCK_MONOTONIC in nanoseconds: one clock for every process on the machine, so the parent
/// can take the earliest start and the latest end over all workers, as `benchlib.py` does with
/// `time.perf_counter()`. Latencies are measured with `ContinuousClock`.
enum MonotonicTime {
    static func nanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
