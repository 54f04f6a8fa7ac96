#if canImport(Glibc)
import Glibc
#endif

/// Which files the running manager's journal is: the database and its write-ahead log, by
/// device and inode. A journal deleted, moved away or replaced under a running manager would
/// take every later commit with it (SQLite goes on writing the unlinked file), so the manager
/// checks before each commit and refuses to acknowledge writes until the files are back.
struct JournalFileIdentity {
    private struct FileID: Equatable {
        var device: UInt64
        var inode: UInt64
    }

    let path: String
    private let database: FileID?
    /// The WAL as first seen: SQLite makes it at the first write.
    private var log: FileID?

    init(path: String) {
        self.path = path
        database = Self.fileID(path)
    }

    /// Throws when the journal or its WAL is no longer the file the manager opened.
    mutating func check() throws(JournalError) {
        guard let database else { return }
        guard let now = Self.fileID(path) else { throw .displaced(path, "it was deleted or moved away") }
        guard now == database else { throw .displaced(path, "another file took its place") }
        switch (log, Self.fileID(path + "-wal")) {
        case (nil, let current): log = current
        case (.some, nil): throw .displaced(path, "its write-ahead log \(path)-wal was deleted")
        case (.some(let first), .some(let current)) where first != current:
            throw .displaced(path, "its write-ahead log \(path)-wal was replaced")
        default: break
        }
    }

    private static func fileID(_ path: String) -> FileID? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return FileID(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }
}
