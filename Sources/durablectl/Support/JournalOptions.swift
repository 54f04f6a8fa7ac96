import ArgumentParser
import DurableManager
import DurableWire
#if canImport(Glibc)
import Glibc
#endif

/// Which journal a reading command opens; the default is the one `serve` uses with no flags.
struct JournalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The journal. (default: manager.sqlite in the state folder)", valueName: "path"))
    var journal: String?

    var path: String { journal ?? StateFolder.default.journalPath }

    /// Opens the journal read-only; a missing file is exit 66, before SQLite would create it.
    func openReader() throws -> JournalReader {
        try requireFile()
        return try JournalReader(path: path)
    }

    func requireFile() throws {
        guard access(path, F_OK) == 0 else {
            printError("durablectl: no journal at \(path); pass --journal with the manager's journal file")
            throw ExitCode(66)
        }
    }
}
