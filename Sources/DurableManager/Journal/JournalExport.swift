public import DurableWire

/// Every object of a journal and its state, as `durablectl export` writes it and
/// `durablectl import` reads it: a backup, and a way to move state to a new journal.
///
/// Encode it with `userInfo[.exactValues] = true` so that every value decodes back exactly (a
/// JSON object would lose a map's order, and JSON reads a whole double back as an int).
///
/// ```swift
/// let export = JournalExport(try JournalReader(path: old).snapshot(), exportedAt: Date().timeIntervalSince1970)
/// try await OfflineJournal.importing(export, into: new)
/// ```
public struct JournalExport: Sendable, Codable {
    /// The value of ``format`` in every export.
    public static let formatName = "durablemanager-export"

    /// One object: its id, type, name and whole state.
    public struct Object: Sendable, Codable, Hashable {
        /// The object's id, kept by an import.
        public var id: UInt64
        /// The registered type id.
        public var type: String
        /// The object's name; nil for an anonymous object (one a named object refers to).
        public var name: String?
        /// The whole state, as ``JournalObject/state`` holds it.
        public var state: Value

        /// An object to export or import.
        public init(id: UInt64, type: String, name: String?, state: Value) {
            self.id = id
            self.type = type
            self.name = name
            self.state = state
        }

        // `name` is written even when nil: a reader of the JSON sees every field.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(type, forKey: .type)
            try container.encode(name, forKey: .name)
            try container.encode(state, forKey: .state)
        }
    }

    /// Always ``formatName``: what tells an export from any other JSON file.
    public var format: String
    /// The format's version: 1.
    public var version: Int
    /// The epoch of the manager that last ran on the journal: an import keeps new ids above it.
    public var epoch: UInt64
    /// The last record the exported state includes.
    public var seq: UInt64
    /// When the export was made, in seconds since 1970.
    public var exportedAt: Double
    /// Every object, by id.
    public var objects: [Object]

    /// The export of `snapshot`.
    public init(_ snapshot: JournalSnapshot, exportedAt: Double) {
        format = Self.formatName
        version = 1
        epoch = snapshot.epoch
        seq = snapshot.seq
        self.exportedAt = exportedAt
        objects = snapshot.objects.map { Object(id: $0.id, type: $0.typeID, name: $0.name, state: $0.state) }
    }
}
