/// Reads a pickle (protocols 2 to 5) without ever running anything.
///
/// It understands only data opcodes (None, bools, ints that fit 64 bits, floats, str, bytes,
/// tuples, lists, dicts, sets, the memo, frames and marks) and a short allow-list of globals the
/// manager protocol needs: `multiprocessing.managers` `Token`, `RebuildProxy` and its proxy
/// classes, and `builtins` `range`, `slice`, `set`, `frozenset`, `bytearray`, each called
/// (REDUCE, NEWOBJ, BUILD) only in the shape CPython pickles them. Anything else, such as
/// `posix system`, is refused with ``PythonProtocolError`` before anything is built.
///
/// ```swift
/// let request = try PickleReader.read(frameBytes)   // ("1a2b", "get", ("key",), {})
/// ```
package struct PickleReader {
    /// Limits that keep a hostile pickle from costing more than its size suggests.
    package struct Limits: Sendable {
        /// The deepest nesting of containers in the result.
        package var maxDepth = 64
        /// The most values in the result, counting a value each time the memo repeats it.
        package var maxValues = 1_000_000

        package init() {}
    }

    /// Reads one pickled value from `bytes`.
    /// - Throws: ``PythonProtocolError``: `malformedPickle` for a cut or inconsistent pickle,
    ///   `refusedPickle` for an opcode or global that is not data, `pickleTooLarge` past ``Limits``.
    package static func read(_ bytes: [UInt8], limits: Limits = Limits()) throws(PythonProtocolError) -> PickleValue {
        var reader = PickleReader(bytes: bytes, limits: limits)
        return try reader.run()
    }

    /// A list, dict or set while it is being built: the memo may hold it and later opcodes
    /// append to it, so items refer to it by its index in ``containers``. Indices, not
    /// references: a list that contains itself is no reference cycle to leak, and a chain of
    /// lists a million deep is no chain of deallocations to overflow the stack.
    private struct Container {
        enum Kind { case list, dict, set }
        let kind: Kind
        var items: [Item] = []
        var pairs: [(Item, Item)] = []
    }

    private indirect enum Item {
        /// A scalar: nests nothing.
        case value(PickleValue)
        /// What REDUCE or BUILD made of materialized arguments, with how deeply it nests, so
        /// that a chain of REDUCEs cannot nest deeper than a chain of lists may.
        case built(PickleValue, depth: Int)
        /// Its items and how deeply tuples nest in it, bounded as it is built.
        case tuple([Item], depth: Int)
        case container(Int)
        case global(module: String, name: String)
        /// `Token.__new__` done, waiting for BUILD to set its state.
        case newToken
        case mark
    }

    private let bytes: [UInt8]
    private let limits: Limits
    private var position = 0
    private var stack: [Item] = []
    private var marks: [Int] = []
    private var memo: [Int: Item] = [:]
    private var containers: [Container] = []

    private init(bytes: [UInt8], limits: Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    private static let proxyTypes: Set<String> = [
        "AutoProxy", "BaseProxy", "DictProxy", "ListProxy", "BaseListProxy", "NamespaceProxy", "ValueProxy", "ArrayProxy",
        "AcquirerProxy", "ConditionProxy", "EventProxy", "BarrierProxy", "IteratorProxy",
    ]
    private static let builtins: Set<String> = ["range", "slice", "set", "frozenset", "bytearray"]

    // MARK: Reading

    private mutating func run() throws(PythonProtocolError) -> PickleValue {
        while true {
            let opcode = try byte()
            switch opcode {
            case 0x80: // PROTO
                let version = try byte()
                guard (2...5).contains(version) else {
                    throw PythonProtocolError(.refusedPickle, "pickle protocol \(version) is not read here (2 to 5 are)")
                }
            case 0x95: _ = try take(8) // FRAME: a hint for buffering, nothing to do
            case 0x2E: // STOP
                guard let top = stack.popLast(), !isMark(top) else { throw malformed("STOP with nothing on the stack") }
                return try materialize(top, depth: 0)
            case 0x4E: push(.value(.none))
            case 0x88: push(.value(.bool(true)))
            case 0x89: push(.value(.bool(false)))
            case 0x4A: push(.value(.int(Int64(Int32(truncatingIfNeeded: try fixed(4))))))
            case 0x4B: push(.value(.int(Int64(try byte()))))
            case 0x4D: push(.value(.int(Int64(try fixed(2)))))
            case 0x8A: push(.value(.int(try long(count: Int(try byte())))))
            case 0x8B:
                let count = Int32(bitPattern: UInt32(try fixed(4)))
                guard count >= 0 else { throw malformed("LONG4 with a negative length") }
                push(.value(.int(try long(count: Int(count)))))
            case 0x47: push(.value(.float(Double(bitPattern: try fixedBigEndian(8)))))
            case 0x58: push(.value(.string(try string(count: try length(4)))))
            case 0x8C: push(.value(.string(try string(count: Int(try byte())))))
            case 0x8D: push(.value(.string(try string(count: try length(8)))))
            case 0x42: push(.value(.bytes(try take(try length(4)))))
            case 0x43: push(.value(.bytes(try take(Int(try byte())))))
            case 0x8E, 0x96: push(.value(.bytes(try take(try length(8)))))
            case 0x29: push(.tuple([], depth: 1))
            case 0x85: push(try tuple(try pop(1)))
            case 0x86: push(try tuple(try pop(2)))
            case 0x87: push(try tuple(try pop(3)))
            case 0x74: push(try tuple(try popToMark()))
            case 0x5D: push(newContainer(.list))
            case 0x6C: push(newContainer(.list, items: try popToMark()))
            case 0x61: try append(try pop(1), kind: .list, name: "APPEND")
            case 0x65: try append(try popToMark(), kind: .list, name: "APPENDS")
            case 0x7D: push(newContainer(.dict))
            case 0x64: push(newContainer(.dict, pairs: try pairs(try popToMark())))
            case 0x73: try setItems(try pairs(try pop(2)))
            case 0x75: try setItems(try pairs(try popToMark()))
            case 0x8F: push(newContainer(.set))
            case 0x90: try append(try popToMark(), kind: .set, name: "ADDITEMS")
            case 0x91: push(newContainer(.set, items: try popToMark()))
            case 0x28:
                marks.append(stack.count)
                stack.append(.mark)
            case 0x30: _ = try pop(1)
            case 0x31: _ = try popToMark()
            case 0x32:
                guard let top = stack.last, !isMark(top) else { throw malformed("DUP with nothing on the stack") }
                push(top)
            case 0x94: try put(memo.count)
            case 0x71: try put(Int(try byte()))
            case 0x72: try put(Int(try fixed(4)))
            case 0x68: try get(Int(try byte()))
            case 0x6A: try get(Int(try fixed(4)))
            case 0x63: // GLOBAL: "module\nname\n"
                let module = try line()
                push(try global(module: module, name: try line()))
            case 0x93: // STACK_GLOBAL
                let names = try pop(2)
                guard case .value(.string(let module)) = names[0], case .value(.string(let name)) = names[1] else {
                    throw malformed("STACK_GLOBAL needs two strings")
                }
                push(try global(module: module, name: name))
            case 0x52: // REDUCE
                let operands = try pop(2)
                push(try reduce(operands[0], operands[1]))
            case 0x81: // NEWOBJ
                let operands = try pop(2)
                push(try newObject(operands[0], operands[1], keywords: nil))
            case 0x92: // NEWOBJ_EX
                let operands = try pop(3)
                push(try newObject(operands[0], operands[1], keywords: operands[2]))
            case 0x62: // BUILD
                let operands = try pop(2)
                push(try build(operands[0], state: operands[1]))
            default:
                throw PythonProtocolError(
                    .refusedPickle,
                    "opcode 0x\(String(opcode, radix: 16)) at byte \(position - 1) is not a data opcode; this manager reads only data and the multiprocessing protocol's own objects, and never runs code"
                )
            }
        }
    }

    // MARK: Bytes

    private func malformed(_ what: String) -> PythonProtocolError {
        PythonProtocolError(.malformedPickle, "\(what) (at byte \(position) of \(bytes.count))")
    }

    private mutating func byte() throws(PythonProtocolError) -> UInt8 {
        guard position < bytes.count else { throw malformed("the pickle ends before its STOP opcode") }
        position += 1
        return bytes[position - 1]
    }

    private mutating func take(_ count: Int) throws(PythonProtocolError) -> [UInt8] {
        guard count >= 0, count <= bytes.count - position else { throw malformed("a length of \(count) runs past the end of the pickle") }
        position += count
        return Array(bytes[(position - count)..<position])
    }

    /// A little-endian unsigned integer of `count` bytes.
    private mutating func fixed(_ count: Int) throws(PythonProtocolError) -> UInt64 {
        let raw = try take(count)
        var value: UInt64 = 0
        for (index, byte) in raw.enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        return value
    }

    private mutating func fixedBigEndian(_ count: Int) throws(PythonProtocolError) -> UInt64 {
        try take(count).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A length that must fit in what is left of the pickle.
    private mutating func length(_ count: Int) throws(PythonProtocolError) -> Int {
        let value = try fixed(count)
        guard value <= UInt64(bytes.count - position) else { throw malformed("a length of \(value) runs past the end of the pickle") }
        return Int(value)
    }

    /// A two's-complement little-endian int of `count` bytes (LONG1, LONG4).
    private mutating func long(count: Int) throws(PythonProtocolError) -> Int64 {
        let raw = try take(count)
        guard !raw.isEmpty else { return 0 }
        let negative = raw.last! & 0x80 != 0
        // Past 8 bytes only sign extension may follow, or the int does not fit 64 bits.
        if raw.count > 8, raw[8...].contains(where: { $0 != (negative ? 0xFF : 0) }) || (raw[7] & 0x80 != 0) != negative {
            throw PythonProtocolError(.refusedPickle, "an int of \(raw.count) bytes does not fit 64 bits, the largest int this manager stores")
        }
        var value: UInt64 = negative ? ~0 : 0
        for index in 0..<min(raw.count, 8) {
            value &= ~(0xFF << (8 * UInt64(index)))
            value |= UInt64(raw[index]) << (8 * UInt64(index))
        }
        return Int64(bitPattern: value)
    }

    private mutating func string(count: Int) throws(PythonProtocolError) -> String {
        let raw = try take(count)
        guard let text = String(validating: raw, as: UTF8.self) else { throw malformed("a str that is not valid UTF-8") }
        return text
    }

    /// A line of the GLOBAL opcode, printable ASCII up to the newline.
    private mutating func line() throws(PythonProtocolError) -> String {
        var raw: [UInt8] = []
        while true {
            let next = try byte()
            if next == 0x0A { break }
            guard raw.count < 256, (0x20..<0x7F).contains(next) else { throw malformed("a GLOBAL name that is not a short ASCII line") }
            raw.append(next)
        }
        return String(decoding: raw, as: UTF8.self)
    }

    // MARK: The stack

    private func isMark(_ item: Item) -> Bool {
        if case .mark = item { return true }
        return false
    }

    private mutating func push(_ item: Item) {
        stack.append(item)
    }

    private mutating func pop(_ count: Int) throws(PythonProtocolError) -> [Item] {
        let floor = marks.last.map { $0 + 1 } ?? 0
        guard stack.count - count >= floor else { throw malformed("an opcode needs \(count) values and the stack has fewer above its mark") }
        let items = Array(stack.suffix(count))
        stack.removeLast(count)
        return items
    }

    private mutating func popToMark() throws(PythonProtocolError) -> [Item] {
        guard let mark = marks.popLast() else { throw malformed("an opcode needs a MARK and there is none") }
        let items = Array(stack[(mark + 1)...])
        stack.removeSubrange(mark...)
        return items
    }

    private func pairs(_ items: [Item]) throws(PythonProtocolError) -> [(Item, Item)] {
        guard items.count % 2 == 0 else { throw malformed("dict items come in key and value pairs") }
        return stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }
    }

    private mutating func newContainer(_ kind: Container.Kind, items: [Item] = [], pairs: [(Item, Item)] = []) -> Item {
        containers.append(Container(kind: kind, items: items, pairs: pairs))
        return .container(containers.count - 1)
    }

    private func tuple(_ items: [Item]) throws(PythonProtocolError) -> Item {
        var depth = 1
        for item in items {
            switch item {
            case .tuple(_, let inner), .built(_, let inner): depth = max(depth, inner + 1)
            default: break
            }
        }
        guard depth <= limits.maxDepth else {
            throw PythonProtocolError(.pickleTooLarge, "the pickle nests tuples deeper than \(limits.maxDepth) levels")
        }
        return .tuple(items, depth: depth)
    }

    private mutating func append(_ items: [Item], kind: Container.Kind, name: String) throws(PythonProtocolError) {
        guard let top = stack.last, case .container(let index) = top, containers[index].kind == kind else {
            throw malformed("\(name) needs a \(kind) under its items")
        }
        containers[index].items.append(contentsOf: items)
    }

    private mutating func setItems(_ pairs: [(Item, Item)]) throws(PythonProtocolError) {
        guard let top = stack.last, case .container(let index) = top, containers[index].kind == .dict else {
            throw malformed("SETITEMS needs a dict under its items")
        }
        containers[index].pairs.append(contentsOf: pairs)
    }

    private mutating func put(_ index: Int) throws(PythonProtocolError) {
        guard let top = stack.last, !isMark(top) else { throw malformed("a memo store with nothing on the stack") }
        memo[index] = top
    }

    private mutating func get(_ index: Int) throws(PythonProtocolError) {
        guard let item = memo[index] else { throw malformed("the memo has no entry \(index)") }
        push(item)
    }

    // MARK: Globals and the calls allowed on them

    private func global(module: String, name: String) throws(PythonProtocolError) -> Item {
        let module = module == "__builtin__" ? "builtins" : module
        let allowed = module == "multiprocessing.managers" && (name == "Token" || name == "RebuildProxy" || Self.proxyTypes.contains(name))
            || module == "builtins" && Self.builtins.contains(name)
        guard allowed else {
            throw PythonProtocolError(
                .refusedPickle,
                "the pickle names \(module).\(name), which is not one of the globals the multiprocessing protocol needs; this manager never imports or calls anything else"
            )
        }
        return .global(module: module, name: name)
    }

    private mutating func reduce(_ callable: Item, _ arguments: Item) throws(PythonProtocolError) -> Item {
        budget.deepest = 0
        let made = try call(callable, arguments)
        guard case .value(let value) = made else { return made }
        return .built(value, depth: budget.deepest)
    }

    private mutating func call(_ callable: Item, _ arguments: Item) throws(PythonProtocolError) -> Item {
        guard case .global(let module, let name) = callable, case .tuple(let items, _) = arguments else {
            throw PythonProtocolError(.refusedPickle, "REDUCE is read only on an allowed global with a tuple of arguments")
        }
        let values = try items.map { (item) throws(PythonProtocolError) -> PickleValue in
            if case .global(let module, let name) = item, module == "multiprocessing.managers", Self.proxyTypes.contains(name) {
                return .string(name)
            }
            return try materialize(item, depth: 1)
        }
        switch (module, name) {
        case ("builtins", "range"):
            let ints = try values.map { (value) throws(PythonProtocolError) -> Int64 in
                guard case .int(let int) = value else { throw PythonProtocolError(.refusedPickle, "range() takes ints") }
                return int
            }
            switch ints.count {
            case 1: return .value(.range(start: 0, stop: ints[0], step: 1))
            case 2: return .value(.range(start: ints[0], stop: ints[1], step: 1))
            case 3 where ints[2] != 0: return .value(.range(start: ints[0], stop: ints[1], step: ints[2]))
            default: throw PythonProtocolError(.refusedPickle, "range() takes 1 to 3 ints and a step that is not 0")
            }
        case ("builtins", "slice"):
            guard (1...3).contains(values.count) else { throw PythonProtocolError(.refusedPickle, "slice() takes 1 to 3 arguments") }
            if values.count == 1 { return .value(.slice(.none, values[0], .none)) }
            return .value(.slice(values[0], values[1], values.count == 3 ? values[2] : .none))
        case ("builtins", "set"), ("builtins", "frozenset"):
            switch values.first {
            case nil: return .value(.set([]))
            case .list(let elements), .tuple(let elements), .set(let elements): return .value(.set(elements))
            default: throw PythonProtocolError(.refusedPickle, "\(name)() is read only from a list")
            }
        case ("builtins", "bytearray"):
            switch values.first {
            case nil: return .value(.bytes([]))
            case .bytes(let raw): return .value(.bytes(raw))
            default: throw PythonProtocolError(.refusedPickle, "bytearray() is read only from bytes")
            }
        case ("multiprocessing.managers", "RebuildProxy"):
            guard values.count == 4, case .string(let proxyType) = values[0], Self.proxyTypes.contains(proxyType),
                  case .token(let token) = values[1]
            else {
                throw PythonProtocolError(.refusedPickle, "RebuildProxy is read only as (proxy class, Token, serializer, kwds)")
            }
            var exposed: [String]?
            if case .dict(let entries) = values[3] {
                for entry in entries where entry.key == .string("exposed") {
                    guard case .tuple(let names) = entry.value else { continue }
                    exposed = names.compactMap { if case .string(let name) = $0 { name } else { nil } }
                }
            }
            return .value(.proxy(PythonProxyReference(proxyType: proxyType, token: token, exposed: exposed)))
        default:
            throw PythonProtocolError(.refusedPickle, "\(module).\(name) may not be called while reading a pickle")
        }
    }

    private func newObject(_ type: Item, _ arguments: Item, keywords: Item?) throws(PythonProtocolError) -> Item {
        guard case .global("multiprocessing.managers", "Token") = type, case .tuple(let items, _) = arguments, items.isEmpty else {
            throw PythonProtocolError(.refusedPickle, "only multiprocessing.managers.Token may be created by NEWOBJ")
        }
        if let keywords {
            guard case .container(let index) = keywords, containers[index].kind == .dict, containers[index].pairs.isEmpty else {
                throw PythonProtocolError(.refusedPickle, "Token is created with no keyword arguments")
            }
        }
        return .newToken
    }

    private func build(_ object: Item, state: Item) throws(PythonProtocolError) -> Item {
        guard case .newToken = object else { throw PythonProtocolError(.refusedPickle, "BUILD sets the state of a Token only") }
        budget.deepest = 0
        guard case .tuple(let fields, _) = state, fields.count == 3 else {
            throw PythonProtocolError(.refusedPickle, "a Token's state is (typeid, address, id)")
        }
        let values = try fields.map { (item) throws(PythonProtocolError) -> PickleValue in try materialize(item, depth: 1) }
        guard case .string(let typeID) = values[0], case .string(let id) = values[2] else {
            throw PythonProtocolError(.refusedPickle, "a Token's typeid and id are strings")
        }
        return .built(.token(PythonToken(typeID: typeID, address: values[1], id: id)), depth: budget.deepest)
    }

    // MARK: The result

    /// Turns an item into a value, within the depth and size limits; a memo entry used twice
    /// is counted twice, so shared references cannot multiply the result past ``Limits``.
    private func materialize(_ item: Item, depth: Int) throws(PythonProtocolError) -> PickleValue {
        guard depth <= limits.maxDepth else {
            throw PythonProtocolError(.pickleTooLarge, "the pickle nests deeper than \(limits.maxDepth) levels (or refers to itself)")
        }
        try budget.spend(limits.maxValues)
        budget.deepest = max(budget.deepest, depth)
        switch item {
        case .value(let value):
            return value
        case .built(let value, let nesting):
            guard depth + nesting <= limits.maxDepth else {
                throw PythonProtocolError(.pickleTooLarge, "the pickle nests deeper than \(limits.maxDepth) levels")
            }
            budget.deepest = max(budget.deepest, depth + nesting)
            return value
        case .tuple(let items, _):
            return .tuple(try items.map { (item) throws(PythonProtocolError) -> PickleValue in try materialize(item, depth: depth + 1) })
        case .container(let index):
            let container = containers[index]
            switch container.kind {
            case .list:
                return .list(try container.items.map { (item) throws(PythonProtocolError) -> PickleValue in try materialize(item, depth: depth + 1) })
            case .set:
                return .set(try container.items.map { (item) throws(PythonProtocolError) -> PickleValue in try materialize(item, depth: depth + 1) })
            case .dict:
                return .dict(try container.pairs.map { (pair) throws(PythonProtocolError) -> PickleDictEntry in
                    PickleDictEntry(try materialize(pair.0, depth: depth + 1), try materialize(pair.1, depth: depth + 1))
                })
            }
        case .global(let module, let name):
            throw PythonProtocolError(.refusedPickle, "\(module).\(name) appears as a value; only data is read")
        case .newToken:
            throw PythonProtocolError(.refusedPickle, "a Token without its state")
        case .mark:
            throw malformed("a MARK left inside a value")
        }
    }

    /// Values materialized so far; a box, since REDUCE and BUILD materialize their arguments too.
    private let budget = Budget()

    private final class Budget {
        var spent = 0
        /// The deepest level the current REDUCE or BUILD reached in its arguments.
        var deepest = 0
        func spend(_ limit: Int) throws(PythonProtocolError) {
            spent += 1
            guard spent <= limit else {
                throw PythonProtocolError(.pickleTooLarge, "the pickle expands to more than \(limit) values")
            }
        }
    }
}
