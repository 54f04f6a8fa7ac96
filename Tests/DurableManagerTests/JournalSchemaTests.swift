@testable import DurableManager
import Foundation
import Testing

/// The schema each backend applies is the one operators read in `migrations/<backend>/`.
struct JournalSchemaTests {
    private static let migrationsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("migrations")

    private static let backends: [(folder: String, migrations: [(version: Int, file: String, sql: String)])] = [
        ("sqlite", JournalSchema.migrations), ("postgresql", PostgresSchema.migrations),
    ]

    @Test func everyEmbeddedMigrationIsTheFileInMigrations() throws {
        #expect(try FileManager.default.contentsOfDirectory(atPath: Self.migrationsFolder.path).sorted() == ["postgresql", "sqlite"])
        for (folder, migrations) in Self.backends {
            let path = Self.migrationsFolder.appendingPathComponent(folder)
            let files = try FileManager.default.contentsOfDirectory(atPath: path.path).filter { $0.hasSuffix(".sql") }.sorted()
            #expect(files == migrations.map(\.file))
            for migration in migrations {
                let text = try String(contentsOf: path.appendingPathComponent(migration.file), encoding: .utf8)
                #expect(text == migration.sql, "migrations/\(folder)/\(migration.file) and its embedded copy differ")
            }
        }
    }

    @Test func versionsAreNumberedInOrderFromOne() {
        for (_, migrations) in Self.backends {
            #expect(migrations.map(\.version) == Array(1...migrations.count))
            for migration in migrations {
                #expect(migration.file.hasPrefix(String(format: "%04d_", migration.version)))
            }
        }
    }

    /// PostgresNIO sends one statement at a time: a migration is split at the semicolons that
    /// end statements, not those in comments, strings or function bodies.
    @Test func aPostgresMigrationSplitsIntoItsStatements() {
        let statements = PostgresSchema.statements(of: """
            -- a comment; with a semicolon
            CREATE TABLE t (a text DEFAULT 'x;y');
            CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM 1;
            END $$;
            INSERT INTO t VALUES ('it''s; fine')
            """)
        #expect(statements == [
            "CREATE TABLE t (a text DEFAULT 'x;y')",
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n    PERFORM 1;\nEND $$",
            "INSERT INTO t VALUES ('it''s; fine')",
        ])
        let first = PostgresSchema.statements(of: PostgresSchema.migrations[0].sql)
        #expect(first.count == 8)
        #expect(first.allSatisfy { !$0.hasPrefix("--") && !$0.isEmpty })
    }
}
