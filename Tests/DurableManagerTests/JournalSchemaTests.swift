@testable import DurableManager
import Foundation
import Testing

/// The schema the journal applies is the one operators read in `migrations/`.
struct JournalSchemaTests {
    private static let migrationsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("migrations")

    @Test func everyEmbeddedMigrationIsTheFileInMigrations() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.migrationsFolder.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == JournalSchema.migrations.map(\.file))
        for migration in JournalSchema.migrations {
            let text = try String(contentsOf: Self.migrationsFolder.appendingPathComponent(migration.file), encoding: .utf8)
            #expect(text == migration.sql, "migrations/\(migration.file) and JournalSchema differ")
        }
    }

    @Test func versionsAreNumberedInOrderFromOne() {
        #expect(JournalSchema.migrations.map(\.version) == Array(1...JournalSchema.migrations.count))
        for migration in JournalSchema.migrations {
            #expect(migration.file.hasPrefix(String(format: "%04d_", migration.version)))
        }
    }
}
