import Foundation

/// Where a journal on PostgreSQL is: a server, a database, a role and the schema that holds the
/// journal's tables, read from a libpq connection URI as `psql` reads it.
///
/// ```swift
/// let address = try PostgresJournalAddress("postgresql://jobs@db.internal:5432/jobs", schema: "durablemanager")
/// let local = try PostgresJournalAddress("postgresql:///jobs?host=/var/run/postgresql", schema: "durablemanager")
/// ```
///
/// As libpq does, a part the URI leaves out comes from `PGHOST`, `PGPORT`, `PGUSER`,
/// `PGDATABASE` and `PGPASSWORD`, then from the defaults: the Unix socket folder
/// `/var/run/postgresql`, port 5432, the login name as user, the user as database. A password not
/// in the URI nor in `PGPASSWORD` is looked up in `PGPASSFILE` or `~/.pgpass`.
package struct PostgresJournalAddress: Sendable, Hashable, CustomStringConvertible {
    package enum Server: Sendable, Hashable {
        /// A Unix socket: the folder that holds `.s.PGSQL.<port>`.
        case socketFolder(String)
        case host(String)
    }

    package var server: Server
    package var port: Int
    package var user: String
    package var password: String?
    package var database: String
    /// The schema the journal's tables live in (`serve --pg-schema`).
    package var schema: String
    /// `sslmode`: `disable` (the default here), `prefer`, `require`, `verify-ca` or `verify-full`.
    package var sslMode: String

    /// The schema `serve` uses unless `--pg-schema` names another.
    package static let defaultSchema = "durablemanager"

    /// Whether `text` names a journal on PostgreSQL rather than an SQLite file.
    package static func isPostgresURI(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// Reads a libpq URI.
    /// - Throws: ``JournalError`` when the URI or the schema name is malformed; the message says which part.
    package init(
        _ uri: String, schema: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(JournalError) {
        // Errors name the URI without its password.
        let shown = Self.withoutPassword(uri)
        guard Self.isPostgresURI(uri), let components = URLComponents(string: uri) else {
            throw .cannotOpen(shown, "not a PostgreSQL URI; write postgresql://USER@HOST:PORT/DATABASE (one host)")
        }
        guard Self.isIdentifier(schema) else {
            throw .cannotOpen(shown, "'\(schema)' is not a schema name this journal uses: lowercase letters, digits and _, not starting with a digit or pg_, at most 63")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let login = ProcessInfo.processInfo.userName
        var host = query["host"] ?? components.percentEncodedHost.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding } ?? environment["PGHOST"] ?? "/var/run/postgresql"
        // An IPv6 address comes in brackets, which are the URI's, not the address's.
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        server = host.hasPrefix("/") ? .socketFolder(host) : .host(host)
        let portText = query["port"] ?? components.port.map(String.init) ?? environment["PGPORT"] ?? "5432"
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw .cannotOpen(shown, "'\(portText)' is not a port")
        }
        self.port = port
        user = query["user"] ?? components.user.flatMap { $0.isEmpty ? nil : $0 } ?? environment["PGUSER"] ?? login
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = query["dbname"] ?? (path.isEmpty ? nil : path) ?? environment["PGDATABASE"] ?? user
        self.schema = schema
        sslMode = query["sslmode"] ?? environment["PGSSLMODE"] ?? "disable"
        guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(sslMode) else {
            throw .cannotOpen(shown, "sslmode '\(sslMode)' is not one of disable, allow, prefer, require, verify-ca, verify-full")
        }
        // libpq treats an empty password as none, and looks further.
        password = [query["password"], components.password, environment["PGPASSWORD"]].lazy.compactMap { $0 }.first { !$0.isEmpty }
        if password == nil {
            let file = environment["PGPASSFILE"] ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.pgpass"
            password = Self.password(in: file, host: host, port: port, database: database, user: user)
        }
    }

    /// The password `~/.pgpass` gives for this connection: the first line whose
    /// `host:port:database:user` fields match, `*` matching anything, as libpq reads it.
    static func password(in file: String, host: String, port: Int, database: String, user: String) -> String? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        // libpq calls a Unix socket connection's host "localhost" in this file.
        let hostName = host.hasPrefix("/") ? "localhost" : host
        // isNewline: a file written on Windows ends its lines with "\r\n", one Character in Swift.
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            var fields: [String] = []
            var field = ""
            var escaped = false
            for character in line {
                if escaped {
                    field.append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == ":", fields.count < 4 {
                    fields.append(field)
                    field = ""
                } else {
                    field.append(character)
                }
            }
            fields.append(field)
            guard fields.count == 5 else { continue }
            let wanted = [hostName, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    /// A schema name that cannot smuggle anything into a statement and reads the same quoted
    /// (as statements write it) or not (as `psql` users type it): lowercase, since PostgreSQL
    /// folds an unquoted name to lowercase; not `pg_`, which PostgreSQL keeps for itself.
    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 63, !name.hasPrefix("pg_") else { return false }
        let letters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz_")
        let digits = CharacterSet(charactersIn: "0123456789")
        return letters.contains(first) && name.unicodeScalars.allSatisfy { letters.contains($0) || digits.contains($0) }
    }

    /// The schema as statements name it: quoted, so that a name SQL reserves (`user`) works too.
    var quotedSchema: String { "\"\(schema)\"" }

    /// `uri` with the password of its user part and its `password=` parameter, if any, left out.
    package static func withoutPassword(_ uri: String) -> String {
        var shown = uri
        if let scheme = shown.range(of: "://"), let at = shown[scheme.upperBound...].firstIndex(of: "@"),
           let colon = shown[scheme.upperBound..<at].firstIndex(of: ":") {
            shown = String(shown[..<colon]) + ":***" + String(shown[at...])
        }
        if let parameter = shown.range(of: #"([?&])password=[^&]*"#, options: .regularExpression) {
            let separator = shown[parameter].first!
            shown.replaceSubrange(parameter, with: "\(separator)password=***")
        }
        return shown
    }

    /// The URI without its password, and the schema: what logs, errors and `ping` show.
    package var description: String {
        let place: String = switch server {
        case .host(let host): "\(host):\(port)"
        case .socketFolder(let folder): "?host=\(folder)&port=\(port)"
        }
        switch server {
        case .host: return "postgresql://\(user)@\(place)/\(database) (schema \(schema))"
        case .socketFolder: return "postgresql://\(user)@/\(database)\(place) (schema \(schema))"
        }
    }
}
