import Foundation
import Hummingbird

/// Refuses any request without the token (401): as `Authorization: Bearer TOKEN`, as
/// `?token=TOKEN` for what a browser cannot give headers to (the page's first load, EventSource),
/// or as the `durablemanager_token` cookie that a request with `?token=` sets, so that the page's
/// script and style sheet load too (HttpOnly and SameSite=Strict: no other site's page sends it).
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The token; nil lets every request through (`--http-no-auth`, loopback only).
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token else { return try await next(request, context) }
        let header = request.headers[.authorization]
        let query = request.uri.queryParameters["token"].map(String.init)
        if Self.equal(query, token) {
            var response = try await next(request, context)
            response.headers[.setCookie] = "\(Self.cookie)=\(token); Path=/; HttpOnly; SameSite=Strict"
            return response
        }
        guard Self.equal(header, "Bearer " + token) || Self.equal(Self.cookieValue(request.headers[values: .cookie]), token) else {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer realm=\"DurableManager\""
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(
                status: .unauthorized, headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: "a token is required: the http-token file beside the manager's authkey, as Authorization: Bearer TOKEN or ?token=TOKEN\n"))
            )
        }
        return try await next(request, context)
    }

    private static var cookie: String { "durablemanager_token" }

    /// The token cookie's value among the `Cookie` headers' pairs.
    private static func cookieValue(_ headers: [String]) -> String? {
        for header in headers {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2 && parts[0] == cookie { return String(parts[1]) }
            }
        }
        return nil
    }

    /// Compares in time that does not depend on where the strings differ.
    private static func equal(_ given: String?, _ expected: String) -> Bool {
        guard let given else { return false }
        let a = Array(given.utf8), b = Array(expected.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
