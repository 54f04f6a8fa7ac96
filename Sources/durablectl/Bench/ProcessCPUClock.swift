#if canImport(Glibc)
import Glibc
#endif

/// The CPU clock of another process of this machine: user and system time of all its threads,
/// to the nanosecond.
///
/// `/proc/PID/stat` has the same times in clock ticks (10 ms), too coarse for a run of a few
/// thousand calls at a few microseconds each; the kernel's process clock is exact.
struct ProcessCPUClock: Sendable {
    let pid: Int32
    private let clock: clockid_t

    /// Nil when no process `pid` can be seen from here.
    init?(pid: Int32) {
        var clock = clockid_t()
        guard pid > 0, clock_getcpuclockid(pid, &clock) == 0 else { return nil }
        self.pid = pid
        self.clock = clock
    }

    /// The CPU time the process has used so far; nil once it is gone.
    func nanoseconds() -> Int64? {
        var now = timespec()
        guard clock_gettime(clock, &now) == 0 else { return nil }
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
