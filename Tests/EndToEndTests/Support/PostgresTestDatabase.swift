import Foundation
import Testing

/// The private PostgreSQL cluster `scripts/test` starts for the tests (`scripts/postgres-cluster.sh`),
/// named by `DURABLE_TEST_POSTGRES`; each test takes a schema of its own, so tests share the
/// cluster without seeing each other's journals.
enum PostgresTestDatabase {
    /// The cluster's database URI; nil when the tests run without one (`swift test` alone).
    static let uri = ProcessInfo.processInfo.environment["DURABLE_TEST_POSTGRES"]

    /// Whether a cluster is there: the PostgreSQL tests are skipped, saying why, without one.
    static var isAvailable: Bool { uri != nil }

    /// The cluster's URI, for a test that runs only when there is one.
    static func requiredURI() throws -> String {
        guard let uri else { throw FixtureError("no PostgreSQL cluster: DURABLE_TEST_POSTGRES is not set (scripts/test sets it)") }
        return uri
    }

    /// Whether `path` is a journal on PostgreSQL rather than a file.
    static func isURI(_ path: String) -> Bool { path.hasPrefix("postgresql://") }

    /// A schema name no other test uses.
    static func newSchema() -> String {
        "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }

    /// Runs `sql` with `psql` on the test database; its output, one line per row, unaligned.
    @discardableResult
    static func psql(_ sql: String) throws -> [String] {
        let uri = try requiredURI()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: psqlPath)
        process.arguments = [uri, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw FixtureError("psql failed (\(process.terminationStatus)) on: \(sql)") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    private static let psqlPath: String = {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        if let newest = versions.compactMap(Int.init).max() { return "/usr/lib/postgresql/\(newest)/bin/psql" }
        return "/usr/bin/psql"
    }()
}

/// Where a test's manager keeps its journal: the durability tests run on each backend this run
/// has (PostgreSQL when `scripts/test` started a cluster).
enum TestJournalBackend: String, CustomStringConvertible, Sendable {
    case sqlite, postgresql

    static var available: [TestJournalBackend] { PostgresTestDatabase.isAvailable ? [.sqlite, .postgresql] : [.sqlite] }

    var description: String { rawValue }
}

extension ManagerFixture {
    /// A manager whose journal is on `backend`: a new file, or a new schema in the test cluster.
    static func start(on backend: TestJournalBackend, extraArguments: [String] = []) async throws -> ManagerFixture {
        switch backend {
        case .sqlite:
            try await start(extraArguments: extraArguments)
        case .postgresql:
            try await start(
                extraArguments: ["--pg-schema", PostgresTestDatabase.newSchema()] + extraArguments,
                journalPath: try PostgresTestDatabase.requiredURI()
            )
        }
    }
}
