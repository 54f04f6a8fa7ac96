import Foundation

/// What the journal's tables say, read straight from SQLite: the answers the journal-reading
/// commands of `durablectl` are checked against.
extension JournalDatabase {
    /// Every record's seq, oldest first.
    func seqs() throws -> [Int] {
        try strings("SELECT seq FROM journal ORDER BY seq").compactMap { Int($0) }
    }

    /// The seqs of the records of one object, oldest first.
    func seqs(of object: UInt64) throws -> [Int] {
        try strings("SELECT seq FROM journal WHERE object = \(Int64(bitPattern: object)) ORDER BY seq").compactMap { Int($0) }
    }

    /// The seqs of one object's records with operation `op`, oldest first.
    func seqs(of object: UInt64, op: String) throws -> [Int] {
        try strings("SELECT seq FROM journal WHERE object = \(Int64(bitPattern: object)) AND op = '\(op)' ORDER BY seq").compactMap { Int($0) }
    }

    /// A `manager_state` fact (`epoch`, `checkpoint_seq`, `clean_shutdown`), nil when unset.
    func managerState(_ key: String) throws -> Int? {
        try strings("SELECT value FROM manager_state WHERE key = '\(key)'").first.flatMap { Int($0) }
    }

    /// The seq of the last checkpoint; 0 before the first.
    func checkpointSeq() throws -> Int {
        try managerState("checkpoint_seq") ?? 0
    }

    /// The highest schema version recorded.
    func schemaVersion() throws -> Int {
        try integer("SELECT max(version) FROM schema_migrations")
    }
}

/// A file's bytes, or nil when there is none: for checking a command left it untouched.
func fileBytes(_ path: String) -> Data? {
    FileManager.default.contents(atPath: path)
}

/// A file's size; 0 when it does not exist.
func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}

/// The names in a folder, sorted: for checking a command made no file beside the one it read.
func folderListing(_ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
}
