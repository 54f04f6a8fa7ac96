/// Where a journal is kept: an SQLite file (the embedded default) or a schema in a PostgreSQL
/// database, as `--journal` names it.
///
/// ```swift
/// let file = try JournalLocation("/var/lib/jobs/manager.sqlite")
/// let shared = try JournalLocation("postgresql://jobs@db.internal/jobs", schema: "jobs_journal")
/// ```
package enum JournalLocation: Sendable, Hashable, CustomStringConvertible {
    case file(String)
    case postgres(PostgresJournalAddress)

    /// Reads `--journal`: a `postgresql://` or `postgres://` URI names PostgreSQL, anything else a file.
    /// - Parameter schema: The PostgreSQL schema that holds the journal's tables (`--pg-schema`).
    /// - Throws: ``JournalError`` for a malformed URI or schema name.
    package init(_ text: String, schema: String = PostgresJournalAddress.defaultSchema) throws(JournalError) {
        if PostgresJournalAddress.isPostgresURI(text) {
            self = .postgres(try PostgresJournalAddress(text, schema: schema))
        } else {
            self = .file(text)
        }
    }

    /// The file's path, or the URI without its password.
    package var description: String {
        switch self {
        case .file(let path): path
        case .postgres(let address): address.description
        }
    }
}
