import DurableWire

/// Rebuilds one object's entries or items from its rows of `blocks` (``BlockChanges``), checking
/// that they fit together: every position in its block, in order, a list's or queue's items
/// with no gap. A block that does not fit is damage, named with its place.
struct BlockReader {
    private enum Kind {
        case dict, items, none
    }

    private let object: UInt64
    private let typeID: String
    private let path: String
    private let kind: Kind
    private var entries: [DictEntryRow] = []
    private var items: [Value] = []
    private var first: Int64?
    /// The position the next entry or item must be past (a dict) or at (items).
    private var next: Int64 = 0

    init(object: UInt64, typeID: String, path: String) {
        self.object = object
        self.typeID = typeID
        self.path = path
        kind = switch CheckpointLayout.of(typeID) {
        case .dictEntries: .dict
        case .items: .items
        case .whole: .none
        }
    }

    /// Adds block `block`, whose data is `data`; blocks come in order.
    mutating func read(_ block: Int64, _ data: Value, place: String) throws(JournalError) {
        guard case .array(let values) = data, values.count >= 2 else {
            throw .damaged(path, "\(place) is not a block of positions and values")
        }
        switch kind {
        case .none:
            throw .damaged(path, "\(place): a \(typeID) keeps no blocks")
        case .dict:
            guard values.count % 3 == 0 else { throw .damaged(path, "\(place) is not a list of [position, key, value]") }
            var index = 0
            while index < values.count {
                // Below the top of the range: the next position is one past it.
                guard case .int(let position) = values[index], position >= next, position < .max, BlockChanges.block(of: position) == block else {
                    throw .damaged(path, "\(place) holds an entry out of place (\(values[index]))")
                }
                entries.append(DictEntryRow(key: values[index + 1], value: values[index + 2], position: position))
                next = position + 1
                index += 3
            }
        case .items:
            // A position near the top of the range cannot be counted on from (damage, or a hand).
            guard case .int(let position) = values[0], position >= 0, BlockChanges.block(of: position) == block,
                  first == nil || position == next,
                  case (let last, false) = position.addingReportingOverflow(Int64(values.count - 2)), last < .max,
                  BlockChanges.block(of: last) == block else {
                throw .damaged(path, "\(place) does not follow the block before it (items are missing)")
            }
            if first == nil { first = position }
            items.append(contentsOf: values[1...])
            next = last + 1
        }
    }

    /// The state to restore, with `state`, the object's row's.
    func restoredState(_ state: Value) throws(JournalError) -> RestoredState {
        switch kind {
        case .dict:
            guard state == .null else { throw .damaged(path, "dict #\(object) has a state in objects; its entries are its blocks") }
            return .entries(entries)
        case .items:
            return .items(state: state, items: items, first: first ?? 0)
        case .none:
            return .whole(state)
        }
    }
}
