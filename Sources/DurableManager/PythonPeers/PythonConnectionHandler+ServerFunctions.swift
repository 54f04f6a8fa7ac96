import DurableWire
import NIOCore
import OrderedCollections
import PythonProtocol

/// CPython's `Server` functions, each on a connection of its own before `accept_connection`.
extension PythonConnectionHandler {
    /// Type ids starting with this open a named object: `create("named_dict", "status")` opens or
    /// creates the dict named `status`, the one Swift clients and `durablectl` see.
    static let namedPrefix = "named_"

    func serverFunction(_ context: ChannelHandlerContext, _ request: PythonRequest, _ link: ClientLink) {
        do throws(ManagerError) {
            switch request.method {
            case "dummy":
                answer(link, .none)
            case "create":
                answer(link, try create(request))
            case "accept_connection":
                let session = store.openSession(id: peers.newConnectionSessionID())
                state = .serving(session, link)
                answer(link, .none)
            case "incref":
                let ident = try identArgument(request)
                if peers.iterators[ident] != nil {
                    peers.iterators[ident]!.references += 1
                } else {
                    let entry = try store.entry(for: try objectID(ident))
                    peers.referenceSession.noteReturned(.success(.reference(ObjectReference(id: try objectID(ident), typeID: entry.type.typeID))))
                }
                answer(link, .none)
            case "decref":
                let ident = try identArgument(request)
                if let iterator = peers.iterators[ident] {
                    if iterator.references <= 1 {
                        peers.iterators[ident] = nil
                    } else {
                        peers.iterators[ident]!.references -= 1
                    }
                } else {
                    store.release([try objectID(ident)], from: peers.referenceSession)
                }
                answer(link, .none)
            case "get_methods":
                guard case .token(let token)? = request.arguments.first else {
                    throw ManagerError(.wrongType, "get_methods takes a Token")
                }
                let entry = try store.entry(for: try objectID(token.id))
                answer(link, .tuple(PythonMethods.exposed(entry.type.typeID, registry: store.registry).map(PickleValue.string)))
            case "number_of_objects":
                answer(link, .int(Int64(store.objects.count)))
            case "debug_info":
                let lines = store.objects.sorted { $0.key < $1.key }.map { id, entry in
                    "  \(PythonValues.ident(id)):       \(entry.type.typeID)\(entry.name.map { " named '\($0)'" } ?? "")"
                }
                answer(link, .string(lines.joined(separator: "\n")))
            case "shutdown":
                answer(link, .none)
                let store = store
                context.eventLoop.assumeIsolated().execute { store.onShutdownRequest() }
            default:
                throw ManagerError(.attributeError, "'\(request.method)' is not a function of the manager (it has accept_connection, create, debug_info, decref, dummy, get_methods, incref, number_of_objects, shutdown)")
            }
        } catch {
            // CPython's server answers a failed server function with its traceback text, which
            // the client raises as RemoteError.
            writeNow(context, .tuple([.string("#TRACEBACK"), .string("\(error.code.name): \(error.message)")]))
        }
    }

    private func identArgument(_ request: PythonRequest) throws(ManagerError) -> String {
        guard case .string(let ident)? = request.arguments.first else {
            throw ManagerError(.wrongType, "\(request.method) takes an object id (a string)")
        }
        return ident
    }

    func objectID(_ ident: String) throws(ManagerError) -> UInt64 {
        guard let id = PythonValues.objectID(ident) else {
            throw ManagerError(.unknownObject, "no object '\(ident)' in this manager")
        }
        return id
    }

    /// `create(typeid, *args, **kwds)`: returns `(ident, exposed)` as CPython's server does, and
    /// counts one reference, which the client's proxy takes over.
    private func create(_ request: PythonRequest) throws(ManagerError) -> PickleValue {
        guard case .string(let requested)? = request.arguments.first else {
            throw ManagerError(.wrongType, "create takes a type id first")
        }
        var typeID = requested
        var positional = Array(request.arguments.dropFirst())
        var name: String?
        if requested.hasPrefix(Self.namedPrefix) {
            typeID = String(requested.dropFirst(Self.namedPrefix.count))
            guard case .string(let text)? = positional.first, !text.isEmpty else {
                throw ManagerError(.wrongType, "\(requested)() takes the object's name first, e.g. m.\(requested)(\"status\")")
            }
            name = text
            positional.removeFirst()
        }
        var keywords = request.keywords
        // Python's constructors take arguments the manager's types do without: Value's and
        // Array's typecode, Barrier's action (a callable, which the manager cannot run).
        switch typeID {
        case "Value", "Array":
            if typeID == "Array" { typeID = "list" }
            if !positional.isEmpty { positional.removeFirst() }
            keywords.removeAll { $0.0 == "lock" || $0.0 == "typecode_or_type" || $0.0 == "typecode" }
            if let index = keywords.firstIndex(where: { $0.0 == "sequence" || $0.0 == "size_or_initializer" }) {
                keywords[index].0 = "value"
            }
            if typeID == "list", let value = keywords.first(where: { $0.0 == "value" }) {
                positional = [value.1]
                keywords = []
            }
        case "Barrier":
            if positional.count >= 2 {
                guard positional[1] == .none else { throw ManagerError(.wrongType, "a Barrier's action cannot run in the manager; pass action=None") }
                positional.remove(at: 1)
            }
            if let action = keywords.first(where: { $0.0 == "action" }) {
                guard action.1 == .none else { throw ManagerError(.wrongType, "a Barrier's action cannot run in the manager; pass action=None") }
                keywords.removeAll { $0.0 == "action" }
            }
        default:
            break
        }
        let converted = try PythonValues.arguments(positional, keywords)
        var arguments = converted.positional
        if typeID == "dict" || typeID == "Namespace", !converted.keywords.isEmpty {
            // dict(a=1), dict({...}, b=2), Namespace(x=1): one map of everything.
            arguments = [try mergedMap(arguments.first, converted.keywords)]
        } else {
            arguments = try PythonMethods.arguments(arguments, keywords: converted.keywords, typeID: typeID, method: "create")
        }
        try store.checkReferences(in: arguments)
        let reference = try store.create(typeID: typeID, name: name, arguments: arguments)
        peers.referenceSession.noteReturned(.success(.reference(reference)))
        let exposed = PythonMethods.exposed(typeID, registry: store.registry)
        return .tuple([.string(PythonValues.ident(reference.id)), .tuple(exposed.map(PickleValue.string))])
    }

    /// A map from an optional first argument (a map, or a list of pairs) and keyword arguments.
    func mergedMap(_ first: Value?, _ keywords: [(String, Value)]) throws(ManagerError) -> Value {
        var map: [(Value, Value)] = []
        switch first {
        case nil, .null?: break
        case .map(let entries)?: map = entries.map { ($0.key, $0.value) }
        case .array(let pairs)?:
            for pair in pairs {
                guard case .array(let kv) = pair, kv.count == 2 else {
                    throw ManagerError(.wrongType, "a dict is made from a mapping or from key and value pairs")
                }
                map.append((kv[0], kv[1]))
            }
        case let other?: throw .wrongType(method: "dict", expected: "a mapping", got: other)
        }
        for (key, value) in keywords { map.append((.string(key), value)) }
        return .map(OrderedDictionary(map, uniquingKeysWith: { $1 }))
    }
}
