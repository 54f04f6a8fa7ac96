import Hummingbird

/// Refuses any request without the token (401): as `Authorization: Bearer TOKEN`, or as
/// `?token=TOKEN` for what a browser cannot give headers to (the page's first load, EventSource).
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The token; nil lets every request through (`--http-no-auth`, loopback only).
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token else { return try await next(request, context) }
        let header = request.headers[.authorization]
        let query = request.uri.queryParameters["token"].map(String.init)
        guard Self.equal(header, "Bearer " + token) || Self.equal(query, token) else {
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
