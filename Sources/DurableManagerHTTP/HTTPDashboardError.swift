/// Why the HTTP endpoints of `serve --http` could not start.
public struct HTTPDashboardError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable { case tokenFile, address, assets }
    private let code: Code
    /// What happened and what to do about it.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The token file could not be made or read, or is not safe.
    static func tokenFile(_ path: String, _ problem: String) -> Self {
        Self(.tokenFile, "the HTTP token file \(path) \(problem)")
    }

    /// The `--http` address is not one the dashboard may bind.
    static func address(_ text: String, _ problem: String) -> Self {
        Self(.address, "--http \(text): \(problem)")
    }

    /// The page's files are not where the build put them.
    static func assets(_ problem: String) -> Self {
        Self(.assets, "the dashboard cannot start: \(problem)")
    }

    public var description: String { message }
}
