@testable import DurableManager
import Foundation
import Testing

/// How `serve --journal postgresql://...` is read: a libpq connection URI, and for what it leaves
/// out, libpq's environment variables, its defaults and `~/.pgpass`, so that a URI `psql` takes
/// reaches the same database as the same role.
///
/// Every test passes its own environment, with `HOME` set to a temporary folder. The machine's own
/// `PG*` variables and `~/.pgpass` therefore never decide a result.
final class PostgresJournalAddressTests {
    private let folder: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("dm-pgaddress-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Reads `uri` with no `PG*` variable but those in `environment`, and a home that holds no
    /// `.pgpass` until a test writes one there.
    private func parse(
        _ uri: String, schema: String = PostgresJournalAddress.defaultSchema, _ environment: [String: String] = [:]
    ) throws -> PostgresJournalAddress {
        try PostgresJournalAddress(uri, schema: schema, environment: ["HOME": folder].merging(environment) { $1 })
    }

    /// The refusal of `uri`; nil (and a failed expectation) when it was accepted.
    private func refusal(
        _ uri: String, schema: String = PostgresJournalAddress.defaultSchema, _ environment: [String: String] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> JournalError? {
        #expect(throws: JournalError.self, "\(uri) was accepted", sourceLocation: sourceLocation) {
            try parse(uri, schema: schema, environment)
        }
    }

    /// Writes `lines` to `name` in the test's folder (the home `.pgpass` by default).
    @discardableResult
    private func write(_ lines: [String], to name: String = ".pgpass") throws -> String {
        let path = "\(folder)/\(name)"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    // MARK: The URI's parts

    @Test func aHostAPortAndADatabase() throws {
        let address = try parse("postgresql://db.internal:6432/jobs")
        #expect(address.server == .host("db.internal"))
        #expect(address.port == 6432)
        #expect(address.database == "jobs")
        #expect(address.user == ProcessInfo.processInfo.userName)
        #expect(address.password == nil)
        #expect(address.schema == "durablemanager")
        #expect(address.sslMode == "disable")
    }

    @Test func thePostgresSchemeIsTheSame() throws {
        let address = try parse("postgres://db.internal/jobs")
        #expect(address.server == .host("db.internal"))
        #expect(address.port == 5432)
        #expect(address.database == "jobs")
    }

    /// libpq percent-decodes the user and the password, so a password can hold `@` and `:`.
    @Test func aUserAndAPasswordArePercentDecoded() throws {
        let address = try parse("postgresql://jobs:p%40ss%3Aword@db.internal/jobs")
        #expect(address.user == "jobs")
        #expect(address.password == "p@ss:word")
        let encodedUser = try parse("postgresql://us%65r@db.internal/jobs")
        #expect(encodedUser.user == "user")
    }

    @Test func theDatabaseIsPercentDecoded() throws {
        #expect(try parse("postgresql://db.internal/my%20jobs").database == "my jobs")
    }

    @Test func aSocketFolderAndAPortInTheQuery() throws {
        let address = try parse("postgresql:///jobs?host=/run/postgresql&port=5433")
        #expect(address.server == .socketFolder("/run/postgresql"))
        #expect(address.port == 5433)
        #expect(address.database == "jobs")
        let encoded = try parse("postgresql:///jobs?host=%2Fvar%2Frun%2Fx")
        #expect(encoded.server == .socketFolder("/var/run/x"))
    }

    /// libpq's other way to put a socket folder in a URI: percent-encoded, where a host goes.
    @Test func aPercentEncodedSocketFolderAsTheHost() throws {
        let address = try parse("postgresql://%2Ftmp%2Fx/jobs")
        #expect(address.server == .socketFolder("/tmp/x"))
        #expect(address.port == 5432)
        let withPort = try parse("postgresql://%2Ftmp%2Fx:6543/jobs")
        #expect(withPort.server == .socketFolder("/tmp/x"))
        #expect(withPort.port == 6543)
    }

    /// Connection parameters in the query override the same parts of the URI, as in libpq,
    /// which reads them after the URI's authority and path.
    @Test func theQueryOverridesTheURIsParts() throws {
        let address = try parse(
            "postgresql://alice:one@ignored:1111/ignored?host=db.internal&port=7000&user=bob&password=two&dbname=jobs&sslmode=require"
        )
        #expect(address.server == .host("db.internal"))
        #expect(address.port == 7000)
        #expect(address.user == "bob")
        #expect(address.password == "two")
        #expect(address.database == "jobs")
        #expect(address.sslMode == "require")
    }

    @Test(arguments: ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"])
    func everySSLModeLibpqKnows(mode: String) throws {
        #expect(try parse("postgresql://db.internal/jobs?sslmode=\(mode)").sslMode == mode)
    }

    // MARK: What the URI leaves out

    @Test func withNothingGivenLibpqsDefaults() throws {
        let address = try parse("postgresql://")
        #expect(address.server == .socketFolder("/var/run/postgresql"))
        #expect(address.port == 5432)
        #expect(address.user == ProcessInfo.processInfo.userName)
        // libpq's default database is the user's name.
        #expect(address.database == address.user)
        #expect(address.password == nil)
        #expect(address.sslMode == "disable")
    }

    @Test func anEmptyDatabaseIsTheUsers() throws {
        #expect(try parse("postgresql://alice@db.internal/").database == "alice")
        #expect(try parse("postgresql://alice@db.internal").database == "alice")
        #expect(try parse("postgresql://alice@db.internal", ["PGDATABASE": "jobs"]).database == "jobs")
    }

    private static let environment = [
        "PGHOST": "db.env", "PGPORT": "6000", "PGUSER": "envuser", "PGDATABASE": "envdb",
        "PGPASSWORD": "envpassword", "PGSSLMODE": "verify-full",
    ]

    @Test func whatTheURILeavesOutComesFromTheEnvironment() throws {
        let address = try parse("postgresql://", Self.environment)
        #expect(address.server == .host("db.env"))
        #expect(address.port == 6000)
        #expect(address.user == "envuser")
        #expect(address.database == "envdb")
        #expect(address.password == "envpassword")
        #expect(address.sslMode == "verify-full")
    }

    @Test func theURIComesBeforeTheEnvironment() throws {
        let address = try parse("postgresql://alice:uri@db.internal:5433/jobs?sslmode=require", Self.environment)
        #expect(address.server == .host("db.internal"))
        #expect(address.port == 5433)
        #expect(address.user == "alice")
        #expect(address.database == "jobs")
        #expect(address.password == "uri")
        #expect(address.sslMode == "require")
    }

    @Test func aSocketFolderInPGHOST() throws {
        let address = try parse("postgresql:///jobs", ["PGHOST": "/run/pg", "PGPORT": "5433"])
        #expect(address.server == .socketFolder("/run/pg"))
        #expect(address.port == 5433)
    }

    // MARK: ~/.pgpass

    @Test func pgpassGivesThePasswordOfTheFirstLineThatMatches() throws {
        try write([
            "# host:port:database:user:password",
            "too:few:fields",
            "db.internal:5432:jobs:alice:exact",
            "*:*:*:alice:anywhere",
            "db.internal:5432:jobs:alice:never, an earlier line matched",
            #"db.internal:*:*:bob:pa\:ss\\word"#,
        ])
        #expect(try parse("postgresql://alice@db.internal/jobs").password == "exact")
        #expect(try parse("postgresql://alice@db.internal/other").password == "anywhere")
        #expect(try parse("postgresql://alice@elsewhere:6000/jobs").password == "anywhere")
        // `\:` is a colon and `\\` a backslash in any field.
        #expect(try parse("postgresql://bob@db.internal:7000/jobs").password == #"pa:ss\word"#)
        #expect(try parse("postgresql://dave@db.internal/jobs").password == nil)
    }

    /// libpq names a Unix socket connection's host "localhost" in `.pgpass`.
    @Test func aSocketIsLocalhostInPgpass() throws {
        try write(["localhost:5433:*:carol:socket"])
        #expect(try parse("postgresql://carol@/jobs?host=/run/pg&port=5433").password == "socket")
        #expect(try parse("postgresql://carol@%2Frun%2Fpg:5433/jobs").password == "socket")
        #expect(try parse("postgresql://carol@localhost:5433/jobs").password == "socket")
        #expect(try parse("postgresql://carol@/jobs?host=/run/pg&port=5432").password == nil)
    }

    @Test func thePGPASSFILEVariableNamesAnotherFile() throws {
        try write(["*:*:*:alice:home"])
        let other = try write(["*:*:*:alice:other"], to: "other.pgpass")
        #expect(try parse("postgresql://alice@db.internal/jobs").password == "home")
        #expect(try parse("postgresql://alice@db.internal/jobs", ["PGPASSFILE": other]).password == "other")
        #expect(try parse("postgresql://alice@db.internal/jobs", ["PGPASSFILE": "\(folder)/missing"]).password == nil)
    }

    /// A password the URI or `PGPASSWORD` gives is used as it is; `.pgpass` is read only without one.
    @Test func aGivenPasswordComesBeforePgpass() throws {
        try write(["*:*:*:alice:file"])
        #expect(try parse("postgresql://alice@db.internal/jobs", ["PGPASSWORD": "variable"]).password == "variable")
        #expect(try parse("postgresql://alice:uri@db.internal/jobs", ["PGPASSWORD": "variable"]).password == "uri")
        #expect(try parse("postgresql://alice@db.internal/jobs?password=query").password == "query")
    }

    /// libpq reads `.pgpass` when the password is missing or empty.
    @Test func anEmptyPasswordIsLookedUpInPgpass() throws {
        try write(["*:*:*:alice:file"])
        #expect(try parse("postgresql://alice:@db.internal/jobs").password == "file")
        #expect(try parse("postgresql://alice@db.internal/jobs", ["PGPASSWORD": ""]).password == "file")
    }

    /// libpq ends a line at `\r\n` too, so a `.pgpass` written on Windows works.
    @Test func aPgpassWithCRLFLineEnds() throws {
        try "db.internal:5432:jobs:alice:first\r\n*:*:*:*:second\r\n".write(toFile: "\(folder)/.pgpass", atomically: true, encoding: .utf8)
        #expect(try parse("postgresql://alice@db.internal/jobs").password == "first")
        #expect(try parse("postgresql://bob@db.internal/jobs").password == "second")
    }

    // MARK: Refusals

    @Test(arguments: ["mysql://db.internal/jobs", "/var/lib/jobs/manager.sqlite", "postgresql:/jobs", "postgresql://db.internal:abc/jobs"])
    func notAPostgresURI(uri: String) {
        #expect(refusal(uri) != nil)
    }

    @Test func aPortOutsideOneTo65535IsRefusedNamingIt() {
        for (uri, port) in [
            ("postgresql://db.internal:0/jobs", "0"), ("postgresql://db.internal:65536/jobs", "65536"),
            ("postgresql://db.internal/jobs?port=abc", "abc"), ("postgresql://db.internal/jobs?port=-1", "-1"),
        ] {
            #expect(refusal(uri)?.detail == "'\(port)' is not a port", "\(uri)")
        }
        #expect(refusal("postgresql://db.internal/jobs", ["PGPORT": "five"])?.detail == "'five' is not a port")
    }

    @Test func anUnknownSSLModeIsRefusedNamingIt() {
        #expect(refusal("postgresql://db.internal/jobs?sslmode=on")?.detail.hasPrefix("sslmode 'on' is not one of") == true)
        #expect(refusal("postgresql://db.internal/jobs", ["PGSSLMODE": "secure"])?.detail.hasPrefix("sslmode 'secure' is not one of") == true)
    }

    /// The schema goes into statements unquoted (`SET search_path TO ...`), so only a plain
    /// identifier is taken: nothing that needs quoting, nothing that could carry SQL.
    @Test(arguments: ["a-b", "1abc", "x;drop", "x;drop schema public", #"x"y"#, "", "a b", "été", String(repeating: "s", count: 64)])
    func aSchemaThatIsNotAPlainIdentifierIsRefused(schema: String) {
        let error = refusal("postgresql://db.internal/jobs", schema: schema)
        #expect(error?.detail.hasPrefix("'\(schema)' is not a schema name") == true)
    }

    @Test(arguments: ["durablemanager", "jobs_journal", "_private", "s2", String(repeating: "s", count: 63)])
    func aPlainIdentifierIsASchema(schema: String) throws {
        #expect(try parse("postgresql://db.internal/jobs", schema: schema).schema == schema)
    }

    // MARK: What logs, errors and ping show

    @Test func theDescriptionNamesTheServerDatabaseAndSchema() throws {
        #expect(try parse("postgresql://alice:secret@db.internal/jobs").description
            == "postgresql://alice@db.internal:5432/jobs (schema durablemanager)")
        #expect(try parse("postgresql://alice:secret@/jobs?host=/run/pg&port=5433", schema: "jobs_journal").description
            == "postgresql://alice@/jobs?host=/run/pg&port=5433 (schema jobs_journal)")
    }

    @Test func theDescriptionNeverShowsThePassword() throws {
        try write(["*:*:*:carol:from-pgpass"])
        let addresses = [
            try parse("postgresql://alice:from-uri@db.internal/jobs"),
            try parse("postgresql://alice:from-uri@/jobs?host=/run/pg"),
            try parse("postgresql://alice@db.internal/jobs?password=from-query"),
            try parse("postgresql://bob@db.internal/jobs", ["PGPASSWORD": "from-variable"]),
            try parse("postgresql://carol@db.internal/jobs"),
        ]
        for address in addresses {
            #expect(address.password?.hasPrefix("from-") == true)
            #expect(!address.description.contains("from-"), "\(address.description)")
            #expect(!JournalLocation.postgres(address).description.contains("from-"))
        }
    }

    // MARK: --journal

    @Test func isPostgresURITellsAURIFromAPath() {
        #expect(PostgresJournalAddress.isPostgresURI("postgresql://db.internal/jobs"))
        #expect(PostgresJournalAddress.isPostgresURI("postgres://db.internal/jobs"))
        #expect(PostgresJournalAddress.isPostgresURI("postgresql://"))
        #expect(!PostgresJournalAddress.isPostgresURI("postgresql:/jobs"))
        #expect(!PostgresJournalAddress.isPostgresURI("./postgresql://jobs"))
        #expect(!PostgresJournalAddress.isPostgresURI("/var/lib/jobs/manager.sqlite"))
    }

    /// `JournalLocation` reads the real environment: these URIs name the host, the port and the
    /// database themselves, and the tests look at nothing else.
    @Test func aJournalLocationIsAFileOrAPostgresSchema() throws {
        #expect(try JournalLocation("/var/lib/jobs/manager.sqlite") == .file("/var/lib/jobs/manager.sqlite"))
        #expect(try JournalLocation("manager.sqlite").description == "manager.sqlite")
        // --pg-schema is always passed; a file has no schema, so it does not check it.
        #expect(try JournalLocation("manager.sqlite", schema: "a-b") == .file("manager.sqlite"))

        guard case .postgres(let address) = try JournalLocation("postgresql://db.internal:5433/jobs", schema: "jobs_journal") else {
            Issue.record("a postgresql:// URI was read as a file")
            return
        }
        #expect(address.server == .host("db.internal"))
        #expect(address.port == 5433)
        #expect(address.database == "jobs")
        #expect(address.schema == "jobs_journal")
        guard case .postgres(let defaulted) = try JournalLocation("postgres://db.internal:5432/jobs") else {
            Issue.record("a postgres:// URI was read as a file")
            return
        }
        #expect(defaulted.schema == PostgresJournalAddress.defaultSchema)
        #expect(throws: JournalError.self) { try JournalLocation("postgresql://db.internal:5432/jobs", schema: "a-b") }
    }

    // MARK: Forms the first version got wrong

    /// libpq takes an IPv6 address in brackets and connects to it without them.
    @Test func anIPv6AddressInBrackets() throws {
        let address = try parse("postgresql://[::1]:5433/jobs")
        #expect(address.server == .host("::1"))
        #expect(address.port == 5433)
    }

    /// A refusal names the journal by the URI as it was given, without its password.
    @Test func aRefusedURIsErrorDoesNotShowItsPassword() {
        let error = refusal("postgresql://alice:secret@db.internal:99999/jobs")
        #expect(error.map { !"\($0)".contains("secret") } == true)
    }

    /// PostgreSQL folds an unquoted `Jobs` to `jobs`, where the journal's lookups and lease
    /// would not: capitals are refused, as are names PostgreSQL keeps (`pg_`); a reserved word
    /// works, since statements quote the name.
    @Test func aSchemaWithCapitalsOrPgIsRefusedAndAReservedWordIsQuoted() throws {
        #expect(throws: JournalError.self) { try parse("postgresql://db.internal/jobs", schema: "Jobs") }
        #expect(throws: JournalError.self) { try parse("postgresql://db.internal/jobs", schema: "pg_journal") }
        #expect(try parse("postgresql://db.internal/jobs", schema: "user").quotedSchema == "\"user\"")
    }
}
