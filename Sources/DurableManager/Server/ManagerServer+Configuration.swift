public import DurableWire
public import NIOCore

extension ManagerServer {
    /// What a manager listens on and the limits it enforces.
    ///
    /// ```swift
    /// var configuration = ManagerServer.Configuration(
    ///     addresses: [.unixDomainSocket(path: "/tmp/jobs.sock"), .hostname("127.0.0.1", port: 50000)],
    ///     authkey: .random()
    /// )
    /// configuration.sessionGrace = .seconds(30)
    /// ```
    public struct Configuration: Sendable {
        /// Where and how durable objects are journaled.
        public struct Journal: Sendable {
            /// The SQLite journal file, created when missing; or a `postgresql://` URI (libpq's
            /// forms) whose database keeps the journal in ``postgresSchema``.
            public var path: String
            /// The PostgreSQL schema of the journal's tables, created when missing (`--pg-schema`).
            public var postgresSchema = "durablemanager"
            /// Serve nothing until the journal's active manager stops, then take over (`--standby`;
            /// PostgreSQL only).
            public var standby = false
            public var durability: Durability = .normal
            /// Checkpoint once this many records have been appended since the last checkpoint, so
            /// that a restart replays at most about this many.
            public var checkpointEvery: Int = 100_000
            /// A cap on the journal's size in SQLite pages (4 KiB each); nil: as large as the disk
            /// allows. Past it, writes fail exactly as on a full disk.
            public var maxPageCount: Int?
            /// Start on a journal that holds less than its manager committed (a lost WAL, a
            /// truncated, emptied, deleted or replaced file) instead of refusing it: what it holds
            /// is served, and the start logs how many records were lost.
            public var acceptingLoss = false

            /// Journals to `path` with the default durability (`normal`).
            public init(path: String, durability: Durability = .normal) {
                self.path = path
                self.durability = durability
            }
        }

        /// Where to listen; at least one.
        public var addresses: [ManagerAddress]
        /// Where to listen for CPython's `multiprocessing.managers` clients
        /// (`SyncManager(address=..., authkey=...).connect()`), beside ``addresses``; they share
        /// the same objects and journal. Plain on TCP too: CPython's protocol has no TLS.
        public var pythonAddresses: [ManagerAddress] = []
        /// TLS for every TCP address (Unix sockets stay plain); at least one address must be
        /// TCP. Nil serves TCP in clear, which the manager warns about at start for an address
        /// other hosts can reach.
        public var tls: TLS?
        /// The types clients may create: Python's `SyncManager` types unless a custom manager
        /// registers its own, or offers only some (``TypeRegistry/keeping(_:)``).
        public var types: TypeRegistry = .syncManager
        /// The secret every client must prove it holds.
        public var authkey: Authkey
        /// The journal; nil keeps every object in memory only, as Python's manager does.
        public var journal: Journal?
        /// The largest frame a client may send; a larger one closes that client's connection.
        public var maxFrameSize: Int = 64 << 20
        /// The largest state or reply, in encoded bytes: a call that would make an object or its
        /// reply larger is refused with `MemoryError` before anything is built, so no checkpoint
        /// meets it. At most ``maxValueSizeLimit``.
        public var maxValueSize: Int = 256 << 20
        /// The most a journal can hold in one value (SQLite's limit is 1,000,000,000 bytes), less
        /// room for a record's wrapping.
        public static let maxValueSizeLimit = 900 << 20
        /// The most client connections open at once; one more is told so and closed.
        public var maxConnections: Int = 1024
        /// How long a client has to answer the authkey challenge.
        public var handshakeTimeout: TimeAmount = .seconds(10)
        /// How long a session outlives its last connection before its locks and permits are
        /// released and its proxies stop keeping objects alive.
        public var sessionGrace: TimeAmount = .seconds(5)
        /// Counts every call by type, method and outcome, with its latency, for the manager
        /// method `callStatistics` (`serve --http`'s /metrics). Off, a call spends nothing on it.
        public var countsCalls = false
        /// Told the bound addresses (with the port the system chose for TCP port 0) once the
        /// manager accepts connections.
        public var onListening: @Sendable ([ManagerAddress]) -> Void = { _ in }

        /// Creates a configuration with the default limits.
        public init(addresses: [ManagerAddress], authkey: Authkey) {
            self.addresses = addresses
            self.authkey = authkey
        }
    }
}
