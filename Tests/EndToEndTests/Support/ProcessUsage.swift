import Foundation

/// What the kernel says a process uses, read from `/proc`: its memory now and at its peak, and
/// the CPU time it has had. The tests that bound what a hostile peer costs the manager read it.
struct ProcessUsage {
    /// `VmRSS`: resident memory now, in bytes.
    let resident: Int
    /// `VmHWM`: the most resident memory the process has had since it started, in bytes. It
    /// catches a spike that is over before anyone samples `VmRSS`.
    let peakResident: Int
    /// User and system time (`utime` + `stime`).
    let cpuTime: Duration

    /// Reads the usage of the live process `pid`.
    init(pid: Int32) throws {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        func kilobytes(_ field: String) throws -> Int {
            let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") }
            guard let line, let number = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int($0) }) else {
                throw FixtureError("no \(field) in /proc/\(pid)/status")
            }
            return number * 1024
        }
        resident = try kilobytes("VmRSS")
        peakResident = try kilobytes("VmHWM")

        // The command name (field 2) is in parentheses and may hold spaces: count from after it.
        // utime and stime are fields 14 and 15, in clock ticks.
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        guard let close = stat.lastIndex(of: ")") else { throw FixtureError("cannot read /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else {
            throw FixtureError("cannot read utime and stime in /proc/\(pid)/stat")
        }
        let ticksPerSecond = sysconf(Int32(_SC_CLK_TCK))
        cpuTime = .milliseconds((user + system) * 1000 / ticksPerSecond)
    }
}

extension Int {
    /// Bytes as mebibytes, for messages.
    var mebibytes: String { String(format: "%.1f MiB", Double(self) / 1_048_576) }
}
