import ArgumentParser
import DurableManager
import DurableWire
import Proxies
#if canImport(Glibc)
import Glibc
#endif

/// Where `objects` and `show` read objects: the running manager, which knows every object
/// (Locks, Events and the other in-memory ones too) and its live state, or the journal file,
/// which knows the durable objects as committed, and their records.
///
/// By default the manager when it answers, else the journal, said on stderr; `--live` insists
/// on the manager, and so does `--connect` (the state folder's journal need not be that
/// manager's); `--from-journal` or `--journal PATH` read the file.
struct ObjectSourceOptions: ParsableArguments {
    @Flag(help: "Ask the running manager only (every object, in-memory ones too, with their live state); exit 69 when none answers.")
    var live = false

    @Flag(help: "Read the journal file only (durable objects as committed), even when a manager runs. --journal PATH implies it.")
    var fromJournal = false

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var journal: JournalOptions

    /// What a command reads from.
    enum Source {
        case manager(ManagerConnection)
        /// The journal file; `fallback` says why, when a manager was asked first and could not
        /// answer: the command says so on stderr once it has its answer, or in its one error line.
        case journal(JournalReader, fallback: String?)
    }

    func validate() throws {
        if live, fromJournal || journal.journal != nil {
            throw ValidationError("--live asks the running manager, --from-journal and --journal read the file: give one or the other")
        }
        if fromJournal || journal.journal != nil, connection.connect != nil {
            throw ValidationError("--connect is for asking a manager; the journal file is read without one")
        }
    }

    /// Whether the journal file is asked for, whatever runs.
    var readsJournal: Bool { fromJournal || journal.journal != nil }

    /// Opens the source: the journal when asked for; else the manager, and when it does not
    /// answer and neither `--live` nor `--connect` insisted on it, the journal, saying why on
    /// stderr. A manager that answers but refuses (wrong authkey, TLS) is an error, not a reason
    /// to read something else.
    func open() async throws -> Source {
        if readsJournal { return .journal(try journal.openReader(), fallback: nil) }
        if live || connection.connect != nil { return .manager(try await connection.open()) }
        guard connection.hasReadableAuthkey else {
            return try fallBack(because: "no authkey at \(connection.authkeyPath), so no manager to ask")
        }
        do {
            return .manager(try await connection.open())
        } catch let error as ManagerError where error.code == .connectionLost {
            return try fallBack(because: "no manager answers at \(connection.addressText)")
        }
    }

    /// Reads the journal in place of a manager that cannot be asked; with no journal either, that
    /// is one line naming both, and exit 66 as for any missing journal.
    private func fallBack(because reason: String) throws -> Source {
        guard journal.isPostgres || access(journal.path, F_OK) == 0 else {
            printError("durablectl: \(reason), and there is no journal at \(journal.path); start the manager (durablectl serve), or pass --connect or --journal")
            throw ExitCode(66)
        }
        return .journal(try journal.openReader(), fallback: reason)
    }

    /// The line a command prints on stderr when it answered from the journal in place of a
    /// manager.
    static func note(_ fallback: String, path: String) -> String {
        "durablectl: \(fallback); read the journal \(path) instead: durable objects only, as last committed (--live insists on a manager)"
    }
}
