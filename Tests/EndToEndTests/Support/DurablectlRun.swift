import Foundation
import Testing

/// One `durablectl` run to its end, as a shell script sees it: the exit status, every line of
/// stdout, and stderr.
struct DurablectlRun {
    let arguments: [String]
    let status: Int32
    let lines: [String]
    let standardError: String

    /// Runs `durablectl` with `home` as the state folder (`DURABLE_MANAGER_HOME`), so that
    /// nothing outside the test's folder is read, and waits for it to exit; a run that outlives
    /// `timeout` is killed.
    ///
    /// Stdout and stderr go to files, read once the process has exited: the end of a pipe is no
    /// sign of the end of a run, since a child started at the same moment by another test may
    /// inherit the pipe's write end and hold it open.
    static func run(_ arguments: [String], home: String, timeout: Duration = .seconds(60)) async throws -> DurablectlRun {
        let files = FileManager.default
        let base = files.temporaryDirectory.appendingPathComponent("durablectl-\(UUID().uuidString)").path
        let (outputPath, errorPath) = (base + ".out", base + ".err")
        _ = files.createFile(atPath: outputPath, contents: nil)
        _ = files.createFile(atPath: errorPath, contents: nil)
        defer {
            try? files.removeItem(atPath: outputPath)
            try? files.removeItem(atPath: errorPath)
        }
        let process = Process()
        process.executableURL = ChildProcess.buildFolder.appendingPathComponent("durablectl")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["DURABLE_MANAGER_HOME": home]) { _, new in new }
        let output = try #require(FileHandle(forWritingAtPath: outputPath))
        let error = try #require(FileHandle(forWritingAtPath: errorPath))
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? output.close()
        try? error.close()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("durablectl \(arguments.joined(separator: " ")) ran for more than \(timeout) and was killed")
        }
        process.waitUntilExit()
        let text = String(decoding: files.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let standardError = String(decoding: files.contents(atPath: errorPath) ?? Data(), as: UTF8.self)
        return DurablectlRun(arguments: arguments, status: process.terminationStatus, lines: lines, standardError: standardError)
    }

    /// Stdout as one string, without the last newline.
    var output: String { lines.joined(separator: "\n") }

    /// For the messages of failed expectations.
    var summary: String {
        "durablectl \(arguments.joined(separator: " ")) -> \(status)\nstdout: \(output.prefix(2000))\nstderr: \(standardError.prefix(2000))"
    }

    /// The whole of stdout as one JSON value.
    func json() throws -> Any {
        do {
            return try parseJSON(output)
        } catch {
            throw FixtureError("stdout is not JSON (\(error)): \(summary)")
        }
    }

    /// Stdout as a JSON object.
    func jsonObject() throws -> [String: Any] {
        try #require(try json() as? [String: Any], "not a JSON object: \(summary)")
    }

    /// Each stdout line as a JSON object (JSON Lines).
    func jsonLines() throws -> [[String: Any]] {
        try lines.map { line in try #require(try? parseJSON(line) as? [String: Any], "not a JSON object line: \(line) in \(summary)") }
    }

    /// Checks the run failed as the spec says every error does: `status`, nothing on stdout, and
    /// exactly one line on stderr that starts `durablectl: ` (and holds `containing`, if given).
    func expectError(
        _ status: Int32, containing text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(self.status == status, "\(summary)", sourceLocation: sourceLocation)
        #expect(lines.isEmpty, "an error printed on stdout: \(summary)", sourceLocation: sourceLocation)
        let errorLines = standardError.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(
            errorLines.count == 2 && errorLines[1].isEmpty && errorLines[0].hasPrefix("durablectl: "),
            "stderr is not one line starting 'durablectl: ': \(summary)", sourceLocation: sourceLocation
        )
        if let text {
            #expect(standardError.contains(text), "stderr does not say '\(text)': \(summary)", sourceLocation: sourceLocation)
        }
    }
}

/// `text` as a JSON value (a fragment such as `42` or `"x"` too).
func parseJSON(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

/// A JSON value in one canonical spelling (sorted keys), so that two values compare as text
/// whatever the order of an object's keys.
func canonicalJSON(_ value: Any) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) else {
        return "<not JSON: \(value)>"
    }
    return String(decoding: data, as: UTF8.self)
}

/// `text` parsed, in canonical spelling; for comparing output with an expected JSON literal.
func canonicalJSON(parsing text: String) -> String {
    guard let value = try? parseJSON(text) else { return "<not JSON: \(text)>" }
    return canonicalJSON(value)
}

/// Whether a JSON object's field is JSON `null`.
func isNull(_ value: Any?) -> Bool {
    value is NSNull
}

/// A JSON number as an Int; nil for a missing field, `null`, a string or a bool.
func jsonInt(_ value: Any?) -> Int? {
    guard let number = value as? NSNumber, !isBool(number) else { return nil }
    return number as? Int
}

/// A JSON number as a Double; nil for anything else.
func jsonDouble(_ value: Any?) -> Double? {
    guard let number = value as? NSNumber, !isBool(number) else { return nil }
    return number.doubleValue
}

/// A JSON `true` or `false`; nil for anything else, a number included.
func jsonBool(_ value: Any?) -> Bool? {
    guard let number = value as? NSNumber, isBool(number) else { return nil }
    return number.boolValue
}

/// JSONSerialization gives both numbers and bools as NSNumber, and `as? Bool` accepts 0 and 1;
/// only the class (`__NSCFBoolean`) tells a JSON bool.
private func isBool(_ number: NSNumber) -> Bool {
    String(describing: type(of: number)).contains("Boolean")
}

/// The first `count` fields of a line of columns separated by runs of spaces, then the rest of
/// the line as one more field (which may hold spaces, as a JSON value does).
func columns(_ line: String, leading count: Int) -> [String] {
    var fields: [String] = []
    var rest = Substring(line)
    for _ in 0..<count {
        rest = rest.drop { $0 == " " || $0 == "\t" }
        let field = rest.prefix { $0 != " " && $0 != "\t" }
        fields.append(String(field))
        rest = rest.dropFirst(field.count)
    }
    fields.append(String(rest.drop { $0 == " " || $0 == "\t" }))
    return fields
}

/// An ISO 8601 UTC time, with or without fractional seconds.
func parseISO8601(_ text: String) -> Date? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.date(from: text)
}

/// Whether `text` holds `place`; a number only as a whole number, not inside a longer one (seq 7
/// is not named by id 1099511627777 or a folder dm-e2e-7a3f).
func mentions(_ text: String, _ place: String) -> Bool {
    guard place.allSatisfy(\.isNumber) else { return text.contains(place) }
    return text.range(of: "(?<![0-9A-Za-z])\(place)(?![0-9A-Za-z])", options: .regularExpression) != nil
}

/// A value's JSON with every `{"$map": [[k, v], ...]}` whose keys are all plain strings written
/// as the JSON object it could have been: both spell the same value, so a comparison of states
/// should not care which one a command chose.
func plainMaps(_ value: Any) -> Any {
    if let object = value as? [String: Any] {
        if object.count == 1, let pairs = object["$map"] as? [[Any]] {
            var fields: [String: Any] = [:]
            for pair in pairs {
                guard pair.count == 2, let key = pair[0] as? String, !key.hasPrefix("$"), fields[key] == nil else {
                    return ["$map": pairs.map { $0.map(plainMaps) }]
                }
                fields[key] = plainMaps(pair[1])
            }
            return fields
        }
        return object.mapValues(plainMaps)
    }
    if let array = value as? [Any] { return array.map(plainMaps) }
    return value
}
