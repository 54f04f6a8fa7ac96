import Foundation
import Testing

/// Every Swift block of README.md and of the DocC articles compiles against the package as it
/// is built: a reader who copies one gets code that builds. Blocks are type-checked one by one
/// with the compiler that built the package, against the modules in the build folder; a block
/// that begins `// swift-tools-version` is checked as a package manifest.
struct DocumentationSnippetTests {
    private static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Snippet: CustomTestStringConvertible, Sendable {
        var file: String
        var line: Int
        var code: String
        var testDescription: String { "\(file):\(line)" }
    }

    static let snippets: [Snippet] = {
        let root = packageRoot.path
        var files = ["README.md"]
        let sources = (try? FileManager.default.contentsOfDirectory(atPath: root + "/Sources")) ?? []
        for module in sources.sorted() {
            let catalogue = "Sources/\(module)/Docs.docc"
            let articles = (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + catalogue)) ?? []
            files += articles.filter { $0.hasSuffix(".md") }.sorted().map { "\(catalogue)/\($0)" }
        }
        return files.flatMap { file in
            let text = (try? String(contentsOfFile: root + "/" + file, encoding: .utf8)) ?? ""
            var snippets: [Snippet] = []
            var current: (line: Int, lines: [String])?
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if current == nil, line.trimmingCharacters(in: .whitespaces) == "```swift" {
                    current = (index + 2, [])
                } else if let block = current, line.trimmingCharacters(in: .whitespaces) == "```" {
                    snippets.append(Snippet(file: file, line: block.line, code: block.lines.joined(separator: "\n") + "\n"))
                    current = nil
                } else {
                    current?.lines.append(String(line))
                }
            }
            return snippets
        }
    }()

    @Test func theDocumentationHasSwiftBlocks() {
        #expect(Self.snippets.count >= 8, "found \(Self.snippets.map(\.testDescription))")
        #expect(Self.snippets.contains { $0.file == "README.md" && $0.code.contains("swift-tools-version") }, "the README opens with Package.swift lines")
    }

    @Test(arguments: snippets)
    func compiles(_ snippet: Snippet) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("snippet-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let isManifest = snippet.code.hasPrefix("// swift-tools-version")
        let source = folder.appendingPathComponent(isManifest ? "Package.swift" : "main.swift")
        try snippet.code.write(to: source, atomically: true, encoding: .utf8)

        let compiler = try Self.compiler()
        var arguments = ["-typecheck", source.path, "-module-cache-path", folder.appendingPathComponent("cache").path]
        if isManifest {
            let manifestAPI = compiler.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("lib/swift/pm/ManifestAPI")
            arguments += ["-I", manifestAPI.path, "-package-description-version", "6.1"]
        } else {
            arguments += ["-I", ChildProcess.buildFolder.appendingPathComponent("Modules").path] + Self.moduleMaps
            if snippet.code.contains("@main") { arguments.append("-parse-as-library") }
        }
        let process = Process()
        process.executableURL = compiler
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        try process.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(snippet.testDescription) does not compile:\n\(output)\n\(snippet.code)")
    }

    /// The compiler beside the `swift` on the PATH, as the package was built with.
    private static func compiler() throws -> URL {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("swiftc")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw FixtureError("no swiftc on the PATH")
    }

    /// The C modules the package's dependencies bring (NIO's, BoringSSL's, SQLite's), as the
    /// build passed them to each compile.
    private static let moduleMaps: [String] = {
        let files = FileManager.default
        var maps: [String] = []
        let build = ChildProcess.buildFolder.path
        for entry in (try? files.contentsOfDirectory(atPath: build)) ?? [] where entry.hasSuffix(".build") {
            let map = "\(build)/\(entry)/module.modulemap"
            if files.fileExists(atPath: map) { maps.append(map) }
        }
        let checkouts = ChildProcess.buildFolder.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("checkouts").path
        var includes: [String] = []
        if let walker = files.enumerator(atPath: checkouts) {
            for case let path as String in walker where path.contains("/Sources/") && !path.contains("Benchmarks") {
                if path.hasSuffix("/module.modulemap") { maps.append("\(checkouts)/\(path)") }
                if path.hasSuffix("/include") { includes.append("\(checkouts)/\(path)") }
            }
        }
        maps.append(packageRoot.path + "/Sources/CSQLite/module.modulemap")
        return maps.flatMap { ["-Xcc", "-fmodule-map-file=\($0)"] } + includes.flatMap { ["-Xcc", "-I\($0)"] }
    }()
}
