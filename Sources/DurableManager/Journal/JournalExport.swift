public import DurableWire

/// Every object of a journal and its state, as `durablectl export` writes it and
/// `durablectl import` reads it: a backup, and a way to move state to a new journal.
///
/// The document is JSON: a few facts and an array of objects, each state in the forms of
/// ``DurableWire/Value/jsonText()``, which ``DurableWire/Value/init(json:)`` reads back as the
/// same value (a dict's order and a double's kind included).
///
/// ```swift
/// let export = JournalExport(try JournalReader(path: old).snapshot(), exportedAt: Date().timeIntervalSince1970)
/// try export.jsonText().write(toFile: "backup.json", atomically: true, encoding: .utf8)
/// try await OfflineJournal.importing(try JournalExport(json: String(contentsOfFile: "backup.json")), into: new)
/// ```
public struct JournalExport: Sendable {
    /// The value of ``format`` in every export.
    public static let formatName = "durablemanager-export"

    /// One object: its id, type, name and whole state.
    public struct Object: Sendable, Hashable {
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

    /// Reads an export written by ``jsonText()``.
    /// - Throws: ``DurableWire/JSONFormError`` when the text is not JSON or not an export,
    ///   naming the field that is missing or wrong.
    public init(json text: String) throws(JSONFormError) {
        let document = try Value(json: text)
        guard case .map(let fields) = document else { throw JSONFormError("an export is a JSON object, not \(document.kindName)") }
        func field(_ name: String) throws(JSONFormError) -> Value {
            guard let value = fields[.string(name)] else { throw JSONFormError("an export has a \"\(name)\" field") }
            return value
        }
        guard case .string(let format) = try field("format"), format == Self.formatName else {
            throw JSONFormError("its \"format\" is not \"\(Self.formatName)\"")
        }
        guard case .int(let version) = try field("version"), version == 1 else {
            throw JSONFormError("this build reads export version 1, not \(try field("version"))")
        }
        guard case .int(let epoch) = try field("epoch"), case .int(let seq) = try field("seq"),
              case .array(let objects) = try field("objects") else {
            throw JSONFormError("\"epoch\" and \"seq\" are ints and \"objects\" is an array")
        }
        self.format = format
        self.version = Int(version)
        self.epoch = UInt64(bitPattern: epoch)
        self.seq = UInt64(bitPattern: seq)
        exportedAt = switch fields[.string("exportedAt")] {
        case .double(let time)?: time
        case .int(let time)?: Double(time)
        default: 0
        }
        self.objects = try objects.enumerated().map { index, object throws(JSONFormError) in
            guard case .map(let entry) = object, case .int(let id)? = entry[.string("id")], case .string(let type)? = entry[.string("type")],
                  let state = entry[.string("state")] else {
                throw JSONFormError("object \(index) of the export needs \"id\", \"type\" and \"state\"")
            }
            let name: String? = if case .string(let text)? = entry[.string("name")] { text } else { nil }
            return Object(id: UInt64(bitPattern: id), type: type, name: name, state: state)
        }
    }

    /// The export as one JSON document: one line per object, so a large one can be read by
    /// line-oriented tools too.
    public func jsonText() -> String {
        let header: Value = [
            "format": .string(format), "version": .int(Int64(version)), "epoch": .int(Int64(bitPattern: epoch)),
            "seq": .int(Int64(bitPattern: seq)), "exportedAt": .double(exportedAt),
        ]
        var text = String(header.jsonText().dropLast()) + ",\"objects\":["
        for (index, object) in objects.enumerated() {
            let entry: Value = [
                "id": .int(Int64(bitPattern: object.id)), "type": .string(object.type),
                "name": object.name.map(Value.string) ?? .null, "state": object.state,
            ]
            text += (index == 0 ? "\n" : ",\n") + entry.jsonText()
        }
        return text + "\n]}\n"
    }
}
