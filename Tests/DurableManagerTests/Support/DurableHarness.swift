@testable import DurableManager
import DurableWire
import Logging
import NIOCore
import NIOEmbedded

/// A durable manager without sockets: the real store, connection handler, frame codec and
/// SQLite journal, all on one `EmbeddedEventLoop` (the journal's jobs run inline, so commits and
/// checkpoints happen when the loop runs). It can be crashed and started again on the same file,
/// as a kill -9 and a start would, with the same recovery code.
final class DurableHarness {
    let path: String
    let checkpointEvery: Int
    let authkey = Authkey(bytes: Array("harness-key".utf8))
    /// The wall clock every store of this harness reads (seconds since 1970), which a test may
    /// move between a crash and the next start.
    private let wallClock: () -> Double
    private(set) var loop: EmbeddedEventLoop
    private(set) var store: ObjectStore
    private(set) var file: JournalFile
    /// What the last start found: records replayed, whether the stop before it was clean.
    private(set) var startInfo: JournalFile.StartInfo
    /// Loops of earlier runs: an `EmbeddedEventLoop` must not be freed with tasks still scheduled.
    private var retired: [(EmbeddedEventLoop, ObjectStore)] = []
    /// The latest connection of each session, whose ids the session's next connection goes on from.
    private var latestClients: [String: FramedClient] = [:]

    init(path: String, checkpointEvery: Int, wallClock: @escaping () -> Double = ObjectContext.unixTime) throws {
        self.path = path
        self.checkpointEvery = checkpointEvery
        self.wallClock = wallClock
        (loop, store, file, startInfo) = try Self.start(path: path, checkpointEvery: checkpointEvery, wallClock: wallClock)
    }

    /// Opens the journal and restores it as `JournalRecovery` does, synchronously.
    private static func start(
        path: String, checkpointEvery: Int, wallClock: @escaping () -> Double
    ) throws -> (EmbeddedEventLoop, ObjectStore, JournalFile, JournalFile.StartInfo) {
        let (file, info) = try JournalFile.openInline(path: path, durability: .normal)
        let loop = EmbeddedEventLoop()
        let logger = Logger(label: "harness", factory: { _ in SwiftLogNoOpLogHandler() })
        let store = ObjectStore(registry: .syncManager, epoch: info.epoch, sessionGrace: .seconds(5), eventLoop: loop, logger: logger)
        store.journalPath = path
        store.wallClock = wallClock
        try store.restore(try file.run(on: loop) { try $0.loadObjects() }.wait())
        store.replies.restore(try file.run(on: loop) { try $0.loadReplies() }.wait())
        var after = info.checkpointSeq
        var replayed = 0
        while true {
            let records = try file.run(on: loop) { [after] in try $0.recordsToReplay(after: after, limit: 20_000) }.wait()
            guard let last = records.last else { break }
            try store.replay(records)
            replayed += records.count
            after = last.seq
        }
        let start = info.startRecord(replayed: replayed)
        let startSeq = try file.run(on: loop) { try $0.beginRun(start, after: info.lastSeq) }.wait()
        file.noteCommitted(upTo: startSeq)
        let journal = Journal(
            file: file, durability: .normal, lastSeq: startSeq, recordsSinceCheckpoint: info.records + 1,
            checkpointEvery: checkpointEvery, eventLoop: loop, logger: logger
        )
        store.attach(journal, restored: !store.objects.isEmpty)
        return (loop, store, file, info)
    }

    /// Runs everything due now: commits, checkpoints, released replies.
    func settle() {
        loop.run()
    }

    /// Stops as a kill -9 would (nothing more is written) and starts again on the journal.
    func crashAndRestart() throws {
        settle()
        store.journal?.stop()
        try file.closeInline(clean: false)
        retired.append((loop, store))
        (loop, store, file, startInfo) = try Self.start(path: path, checkpointEvery: checkpointEvery, wallClock: wallClock)
    }

    /// Stops cleanly (a final checkpoint, then the clean mark) and starts again.
    func stopCleanlyAndRestart() throws {
        let checkpoint = store.journal!.checkpoint()
        settle()
        try checkpoint.wait()
        store.journal?.stop()
        try file.closeInline(clean: true)
        retired.append((loop, store))
        (loop, store, file, startInfo) = try Self.start(path: path, checkpointEvery: checkpointEvery, wallClock: wallClock)
    }

    /// Opens a connection through the frame codec and completes the handshake. A session's ids
    /// go on across its connections and restarts, as a real client's do: from `previous`, or
    /// else from the session's latest connection (a reused id would be answered from memory).
    func connect(session: String, after previous: FramedClient? = nil) throws -> FramedClient {
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addManagerConnectionHandlers(
            store: store, authkey: authkey, maxFrameSize: 64 << 20, handshakeTimeout: .seconds(10),
            logger: Logger(label: "harness", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let firstID = max(previous?.nextRequestID ?? 1, latestClients[session]?.nextRequestID ?? 1)
        let client = FramedClient(channel: channel, firstRequestID: firstID)
        latestClients[session] = client
        try channel.connect(to: SocketAddress(unixDomainSocketPath: "/harness")).wait()
        guard case .challenge(_, let nonce) = try client.nextMessage() else { throw HarnessError("no challenge") }
        try client.send(.response(mac: authkey.mac(for: nonce), nonce: [1, 2, 3], session: session))
        guard case .welcome(let mac, _) = try client.nextMessage(), authkey.isValid(mac: mac, for: [1, 2, 3]) else {
            throw HarnessError("no valid welcome")
        }
        return client
    }

    /// Every durable object in memory: id, type, name and state.
    var durableObjects: [UInt64: JournalObject] {
        var objects: [UInt64: JournalObject] = [:]
        for (id, entry) in store.objects where entry.type.isDurable {
            objects[id] = JournalObject(id: id, typeID: entry.type.typeID, name: entry.name, state: entry.object.currentState, lastSeq: nil)
        }
        return objects
    }

    /// Every durable object as the journal file says, read by a separate read-only connection.
    func journalObjects() throws -> [UInt64: JournalObject] {
        var objects: [UInt64: JournalObject] = [:]
        for object in try JournalReader(path: path).snapshot().objects {
            objects[object.id] = JournalObject(id: object.id, typeID: object.typeID, name: object.name, state: object.state, lastSeq: nil)
        }
        return objects
    }
}
