package import NIOCore

/// Slows down a peer that guesses the authkey, and keeps the log of failed logins short.
///
/// Each peer address (a TCP peer's IP; every Unix-socket peer is one local address) may fail
/// ``freeFailures`` logins; after that, every failure locks it out for twice as long as the
/// last (1 s, 2 s, 4 s... up to ``maxLockout``), and while it is locked out its logins are
/// refused without being checked, so a guess costs a lockout. A success, or ``forgetAfter``
/// without a failure, clears the address. Like every connection's state, it lives on the
/// manager's event loop.
package final class LoginThrottle {
    package static let freeFailures = 5
    package static let firstLockout = TimeAmount.seconds(1)
    package static let maxLockout = TimeAmount.seconds(60)
    package static let forgetAfter = TimeAmount.minutes(10)
    /// At most one log line per address in this long; the lines in between are counted.
    package static let logInterval = TimeAmount.seconds(10)
    /// Addresses remembered at once: past it, the one that failed longest ago is forgotten, so
    /// a flood from many addresses cannot grow the table.
    package static let maxAddresses = 10_000

    private struct Record {
        var failures = 0
        var lastFailure: NIODeadline
        var lockedUntil: NIODeadline?
        var lastLog: NIODeadline?
        var unlogged = 0
    }

    /// What a failed login should log, if anything.
    package struct FailureNote: Equatable {
        /// The failures from this address since the last line, this one included.
        package var failures: Int
        /// Locked out until then, if the address now is.
        package var lockedFor: TimeAmount?
    }

    private var records: [String: Record] = [:]

    package init() {}

    /// How long `address` is still locked out, or nil when its login may be checked.
    package func lockout(for address: String, now: NIODeadline) -> TimeAmount? {
        guard let until = records[address]?.lockedUntil, until > now else { return nil }
        return until - now
    }

    /// Counts a failed login; returns what to log, or nil to stay quiet.
    package func failed(_ address: String, now: NIODeadline) -> FailureNote? {
        var record = records[address].flatMap { now - $0.lastFailure > Self.forgetAfter ? nil : $0 } ?? Record(lastFailure: now)
        if records[address] == nil, records.count >= Self.maxAddresses,
           let oldest = records.min(by: { $0.value.lastFailure < $1.value.lastFailure })?.key {
            records[oldest] = nil
        }
        record.failures += 1
        record.lastFailure = now
        record.unlogged += 1
        if record.failures > Self.freeFailures {
            let doublings = min(record.failures - Self.freeFailures - 1, 6)
            let lockout = min(Self.firstLockout * Int64(1 << doublings), Self.maxLockout)
            record.lockedUntil = now + lockout
        }
        var note: FailureNote?
        if record.lastLog.map({ now - $0 >= Self.logInterval }) ?? true {
            note = FailureNote(failures: record.unlogged, lockedFor: record.lockedUntil.map { $0 - now })
            record.lastLog = now
            record.unlogged = 0
        }
        records[address] = record
        return note
    }

    /// A login succeeded: the address starts afresh.
    package func succeeded(_ address: String) {
        records[address] = nil
    }
}
