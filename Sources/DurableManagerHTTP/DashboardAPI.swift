import DurableWire
import Foundation
import Hummingbird
import NIOCore
import OrderedCollections
import Prometheus

/// The routes: the page's files, `/metrics`, and the JSON API the page uses (documented in the
/// README under "Dashboard and metrics").
struct DashboardAPI: Sendable {
    let state: DashboardState
    let registry: PrometheusCollectorRegistry
    let poller: DashboardPoller
    let assets: DashboardAssets

    /// The most entries one page of an object's contents holds.
    static let maxPageSize = 1_000

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in file("index.html", type: "text/html; charset=utf-8") }
        router.get("/dashboard.js") { _, _ in file("dashboard.js", type: "text/javascript; charset=utf-8") }
        router.get("/dashboard.css") { _, _ in file("dashboard.css", type: "text/css; charset=utf-8") }
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/api/info") { _, _ in json(info(state.snapshot)) }
        router.get("/api/objects") { _, _ in
            let snapshot = state.snapshot
            let changes = Self.lastChanges(snapshot.records)
            return json(.array(snapshot.objects.map { Self.summary($0, lastChange: changes) }))
        }
        router.get("/api/objects/:object") { request, context in try await objectPage(request, context) }
        router.get("/api/sessions") { _, _ in json(.array(state.snapshot.sessions)) }
        router.get("/api/locks") { _, _ in json(.array(Self.locks(state.snapshot.objects))) }
        router.get("/api/journal") { request, _ in
            let limit = request.uri.queryParameters["limit"].flatMap { Int($0) } ?? 50
            return json(.array(Array(state.snapshot.records.suffix(max(0, min(limit, DashboardSnapshot.recordsKept))))))
        }
        router.get("/api/queues") { _, _ in json(Self.queues(state.snapshot.queueDepths)) }
        router.get("/api/events") { request, _ in events(request) }
    }

    private func file(_ name: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: assets.files[name] ?? [])))
    }

    private func json(_ value: Value, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.jsonText())))
    }

    /// `ping`'s fields, with whether the manager answered and when.
    private func info(_ snapshot: DashboardSnapshot) -> Value {
        var fields: OrderedDictionary<Value, Value> = [:]
        if case .map(let ping) = snapshot.info { fields = ping }
        // `ping` counts the dashboard's own session; the page lists the operator's.
        if snapshot.reachable { fields["sessions"] = .int(Int64(snapshot.sessions.count)) }
        fields["reachable"] = .bool(snapshot.reachable)
        fields["polledAt"] = .double(snapshot.polledAt)
        fields["error"] = snapshot.lastError.map(Value.string) ?? .null
        return .map(fields)
    }

    /// An object as the table lists it: its description without the live fields' detail, and
    /// the time of its newest record among the journal records kept (null when none is).
    private static func summary(_ object: Value, lastChange: [Int64: Double]) -> Value {
        guard case .map(var fields) = object else { return object }
        fields["live"] = nil
        fields["lastChange"] = object[field: "id"]?.intValue.flatMap { lastChange[$0] }.map(Value.double) ?? .null
        return .map(fields)
    }

    /// The newest record's time by object.
    private static func lastChanges(_ records: [Value]) -> [Int64: Double] {
        var times: [Int64: Double] = [:]
        for record in records {
            if let object = record[field: "object"]?.intValue, case .double(let time)? = record[field: "time"] { times[object] = time }
        }
        return times
    }

    /// Every lock (an object that says whether it is locked): its holder and its waiters.
    private static func locks(_ objects: [Value]) -> [Value] {
        objects.compactMap { object in
            guard let live = object[field: "live"], case .bool(let locked)? = live[field: "locked"] else { return nil }
            return [
                "id": object[field: "id"] ?? .null, "name": object[field: "name"] ?? .null, "type": object[field: "type"] ?? .null,
                "locked": .bool(locked), "holder": live[field: "holder"] ?? .null, "heldFor": live[field: "heldFor"] ?? .null,
                "waiters": live[field: "waiters"] ?? .int(0), "firstWaiters": live[field: "firstWaiters"] ?? .array([]),
            ]
        }
    }

    /// The chart's series: `{times: [...], queues: {name: [depth at each time]}}`.
    private static func queues(_ samples: [QueueDepthSample]) -> Value {
        let names = Set(samples.flatMap(\.depths.keys)).sorted()
        var series: OrderedDictionary<Value, Value> = [:]
        for name in names { series[.string(name)] = .array(samples.map { .int(Int64($0.depths[name] ?? 0)) }) }
        return ["times": .array(samples.map { .double($0.time) }), "queues": .map(series)]
    }

    /// One object with a page of its contents: `?offset=&limit=` over a list's items, a dict's
    /// entries or a string's characters, so a huge object is never sent whole.
    private func objectPage(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let reference = context.parameters.get("object") ?? ""
        let offset = max(0, request.uri.queryParameters["offset"].flatMap { Int($0) } ?? 0)
        let limit = min(Self.maxPageSize, max(1, request.uri.queryParameters["limit"].flatMap { Int($0) } ?? 100))
        let key: Value = Int64(reference).map(Value.int) ?? .string(reference)
        let described: Value
        do {
            described = try await poller.describe(key)
        } catch let error as ManagerError {
            return json(["error": .string(error.message)], status: error.code == .unknownObject ? .notFound : .badGateway)
        }
        guard case .map(var fields) = described else { return json(described) }
        let state = fields["state"] ?? .null
        let (page, total) = Self.page(of: state, offset: offset, limit: limit)
        fields["state"] = nil
        fields["contents"] = page
        fields["offset"] = .int(Int64(offset))
        fields["limit"] = .int(Int64(limit))
        fields["total"] = total.map { .int(Int64($0)) } ?? .null
        return json(.map(fields))
    }

    /// The slice of `state` the page asks for and how many entries there are in all; a scalar
    /// is its own page (nil total).
    static func page(of state: Value, offset: Int, limit: Int) -> (Value, Int?) {
        switch state {
        case .array(let items):
            let start = min(offset, items.count)
            return (.array(Array(items[start..<min(items.count, start + limit)])), items.count)
        case .map(let entries):
            let start = min(offset, entries.count)
            let slice = entries.elements[start..<min(entries.count, start + limit)]
            // Keys of any type: a list of [key, value] pairs, which JSON can carry.
            return (.array(slice.map { .array([$0.key, $0.value]) }), entries.count)
        case .string(let text):
            let characters = Array(text)
            let start = min(offset, characters.count)
            return (.string(String(characters[start..<min(characters.count, start + limit)])), characters.count)
        case .bytes(let bytes):
            let start = min(offset, bytes.count)
            return (.bytes(Array(bytes[start..<min(bytes.count, start + limit)])), bytes.count)
        default:
            return (state, nil)
        }
    }

    /// Server-sent events: every new journal record as `event: record` (with its seq as the
    /// event id), and the manager's state as `event: state` at each poll.
    ///
    /// A stream lasts ``streamLength`` and then ends with `retry: 1000`: the browser's
    /// EventSource reconnects a second later with `Last-Event-ID` and misses nothing. A stream
    /// that never ended would hold a server task per tab forever and stall headless browsers,
    /// which wait for pending requests before they render.
    private func events(_ request: Request) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        let state = self.state
        let resumeAfter = request.headers.first { $0.name.canonicalName == "last-event-id" }.flatMap { Int64($0.value) } ?? -1
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var lastSeq = resumeAfter
            var lastPoll = 0.0
            let end = ContinuousClock.now + Self.streamLength
            try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
            while !state.isStopping && !Task.isCancelled && ContinuousClock.now < end {
                let snapshot = state.snapshot
                var text = ""
                for record in snapshot.records {
                    guard let seq = record[field: "seq"]?.intValue, seq > lastSeq else { continue }
                    text += "event: record\nid: \(seq)\ndata: \(record.jsonText())\n\n"
                    lastSeq = seq
                }
                if snapshot.polledAt != lastPoll {
                    lastPoll = snapshot.polledAt
                    let summary: Value = ["polledAt": .double(snapshot.polledAt), "objects": .int(Int64(snapshot.objects.count)), "sessions": .int(Int64(snapshot.sessions.count))]
                    text += "event: state\ndata: \(summary.jsonText())\n\n"
                }
                if !text.isEmpty { try await writer.write(ByteBuffer(string: text)) }
                try await Task.sleep(for: .milliseconds(250))
            }
            try await writer.finish(nil)
        })
    }

    /// How long one event stream lasts before the browser reconnects.
    static let streamLength: Duration = .seconds(2)
}
