/// Where a journal must at least reach: the last record its manager committed, in which epoch.
///
/// The manager keeps it beside the journal, in the lock file (`JOURNAL.lock`), rewritten after
/// every commit, so that a journal that went backwards (its WAL deleted after a crash, the file
/// truncated, emptied or replaced by an older copy) is refused at start instead of served.
package struct CommitMark: Sendable, Hashable {
    package var epoch: UInt64
    package var seq: UInt64

    package init(epoch: UInt64, seq: UInt64) {
        self.epoch = epoch
        self.seq = seq
    }

    /// Whether a journal ending at `self` holds everything `expected` says was committed.
    func reaches(_ expected: CommitMark) -> Bool {
        epoch >= expected.epoch && seq >= expected.seq
    }

    /// The line stored in the lock file.
    var line: String { "committed epoch \(epoch) seq \(seq)\n" }

    /// Reads the line ``line`` writes; nil for anything else.
    init?(line: String) {
        let words = line.split(separator: " ")
        guard words.count == 5, words[0] == "committed", words[1] == "epoch", words[3] == "seq",
              let epoch = UInt64(words[2]), let seq = UInt64(words[4].filter { !$0.isNewline }) else { return nil }
        self.init(epoch: epoch, seq: seq)
    }
}
