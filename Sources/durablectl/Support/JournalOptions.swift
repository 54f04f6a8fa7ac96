import ArgumentParser
import DurableManager
import DurableWire
#if canImport(Glibc)
import Glibc
#endif

/// Which journal a reading command opens; the default is the one `serve` uses with no flags.
struct JournalOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The journal: an SQLite file, or a PostgreSQL URI (postgresql://USER@HOST:PORT/DB) as serve --journal takes it. (default: manager.sqlite in the state folder)",
        valueName: "path-or-uri"))
    var journal: String?

    @Option(help: ArgumentHelp("The PostgreSQL schema of the journal's tables.", valueName: "name"))
    var pgSchema: String = "durablemanager"

    var path: String { journal ?? StateFolder.default.journalPath }

    /// The journal as messages name it: a PostgreSQL URI without its password.
    var displayName: String { (try? JournalLocation(path, schema: pgSchema).description) ?? PostgresJournalAddress.withoutPassword(path) }

    /// Whether the journal is on PostgreSQL rather than in a file.
    var isPostgres: Bool { PostgresJournalAddress.isPostgresURI(path) }

    /// Opens the journal read-only; a missing file is exit 66, before SQLite would create it.
    func openReader() throws -> JournalReader {
        try requireFile()
        return try JournalReader(path: path, postgresSchema: pgSchema)
    }

    /// Exits 66 when the journal is a file that does not exist (a database is asked instead).
    func requireFile() throws {
        guard isPostgres || access(path, F_OK) == 0 else {
            printError("durablectl: no journal at \(path); pass --journal with the manager's journal file")
            throw ExitCode(66)
        }
    }
}
