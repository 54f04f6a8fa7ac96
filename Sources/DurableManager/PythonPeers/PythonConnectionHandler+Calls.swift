import DurableWire
import NIOCore
import PythonProtocol

/// A client thread's method calls, on the connection `accept_connection` made its own.
extension PythonConnectionHandler {
    func objectCall(_ context: ChannelHandlerContext, _ request: PythonRequest, _ session: Session, _ link: ClientLink) {
        do throws(ManagerError) {
            guard case .string(let ident) = request.ident else {
                throw ManagerError(.unknownObject, "a method call names its object by its id string")
            }
            if peers.iterators[ident] != nil {
                try iteratorCall(context, ident, request)
                return
            }
            if ident.hasPrefix("iterator-") {
                throw ManagerError(
                    .unknownObject,
                    "the iterator \(ident) expired: the manager keeps the newest \(PythonPeers.maxIterators) iterators (\(PythonPeers.maxIteratorKeys) keys in all); iterate again"
                )
            }
            let id = try objectID(ident)
            let typeID = try store.entry(for: id).type.typeID
            let (method, arguments, shape) = try translate(request, typeID: typeID)
            let requestID = takeRequestID(link, shape: shape)
            store.dispatch(
                Request(id: requestID, target: id, method: method, arguments: arguments, owner: 1, acknowledgedBelow: requestID),
                session: session, link: link
            )
        } catch {
            writeNow(context, reply(.failure(error), shape: .value))
        }
    }

    /// CPython's proxies call some methods under other names, and some calls need a shape.
    private func translate(_ request: PythonRequest, typeID: String) throws(ManagerError) -> (String, [Value], PythonReplyShape) {
        var method = request.method
        var positional = request.arguments
        var shape = PythonReplyShape.value
        switch (typeID, method) {
        case (_, "#GETVALUE"), (_, "__repr__"), (_, "__str__"):
            shape = method == "#GETVALUE" ? .value : .repr
            switch typeID {
            case "dict", "list": method = "copy"
            case "Namespace": method = "_getvalue"
            case "Value": method = "get"
            default:
                throw ManagerError(.attributeError, "a \(typeID) has no value to copy; call its methods")
            }
        case ("Namespace", "__getattribute__"):
            method = "__getattr__"
        case ("Barrier", "__getattribute__"):
            guard case .string(let attribute)? = positional.first, ["parties", "n_waiting", "broken"].contains(attribute) else {
                throw ManagerError(.attributeError, "a Barrier proxy reads parties, n_waiting and broken")
            }
            method = attribute
            positional = []
        case ("dict", "__iter__"):
            method = "keys"
            shape = .iterator
        case ("dict", "__getitem__"), ("dict", "__delitem__"), ("dict", "pop"):
            if let key = positional.first { shape = .keyed(key) }
        case ("list", "__getitem__"):
            if case .slice(let start, let stop, let step)? = positional.first {
                method = "copy"
                positional = []
                shape = .slice(start, stop, step)
            }
        case ("dict", "items"):
            shape = .pairs
        case ("dict", "popitem"):
            shape = .pair
        case ("Lock", "acquire"), ("RLock", "acquire"), ("Condition", "acquire"):
            shape = .acquire
        default:
            break
        }
        let converted = try PythonValues.arguments(positional, request.keywords)
        var arguments = converted.positional
        if typeID == "dict", method == "update", !converted.keywords.isEmpty {
            arguments = [try mergedMap(arguments.first, converted.keywords)]
        } else {
            arguments = try PythonMethods.arguments(arguments, keywords: converted.keywords, typeID: typeID, method: method)
        }
        return (method, arguments, shape)
    }

    /// `__next__` of a dict iterator: the next key, then `StopIteration`.
    private func iteratorCall(_ context: ChannelHandlerContext, _ ident: String, _ request: PythonRequest) throws(ManagerError) {
        guard request.method == "__next__" else {
            throw ManagerError(.attributeError, "an iterator has only __next__ (got '\(request.method)')")
        }
        guard let iterator = peers.iterators[ident], iterator.position < iterator.keys.count else {
            writeNow(context, .tuple([.string("#ERROR"), .exception(module: "builtins", name: "StopIteration", arguments: [])]))
            return
        }
        peers.iterators[ident]!.position += 1
        writeNow(context, .tuple([.string("#RETURN"), pickle(iterator.keys[iterator.position])]))
    }

    func pickle(_ value: Value) -> PickleValue {
        PythonValues.pickle(value, registry: store.registry, address: address)
    }

    /// The Python message for a reply from the store.
    func reply(_ result: Result<Value, ManagerError>, shape: PythonReplyShape) -> PickleValue {
        switch result {
        case .success(let value):
            switch shape {
            case .fixed(let fixed):
                return .tuple([.string("#RETURN"), fixed])
            case .acquire:
                if case .int = value { return .tuple([.string("#RETURN"), .bool(true)]) }
            case .slice(let start, let stop, let step):
                guard case .array(let items) = value else { break }
                do throws(ManagerError) {
                    let sliced = try PythonText.slice(items, start: start, stop: stop, step: step)
                    return .tuple([.string("#RETURN"), .list(sliced.map(pickle))])
                } catch {
                    return reply(.failure(error), shape: .value)
                }
            case .iterator:
                guard case .array(let keys) = value else { break }
                let ident = peers.keepIterator(keys)
                let token = PythonToken(typeID: "Iterator", address: address, id: ident)
                return .tuple([.string("#PROXY"), .tuple([.tuple([.string("__next__")]), .token(token)])])
            case .repr:
                return .tuple([.string("#RETURN"), .string(PythonText.repr(value))])
            case .pairs:
                guard case .array(let pairs) = value else { break }
                return .tuple([.string("#RETURN"), .list(pairs.map { pair in
                    guard case .array(let parts) = pair else { return pickle(pair) }
                    return .tuple(parts.map(pickle))
                })])
            case .pair:
                guard case .array(let parts) = value else { break }
                return .tuple([.string("#RETURN"), .tuple(parts.map(pickle))])
            case .value, .keyed:
                break
            }
            return .tuple([.string("#RETURN"), pickle(value)])
        case .failure(let error):
            guard let (module, name) = PythonMethods.exception(for: error.code) else {
                return .tuple([.string("#TRACEBACK"), .string("\(error.code.name): \(error.message)")])
            }
            var argument = PickleValue.string(error.message)
            if error.code == .keyError, case .keyed(let key) = shape { argument = key }
            return .tuple([.string("#ERROR"), .exception(module: module, name: name, arguments: [argument])])
        }
    }
}
