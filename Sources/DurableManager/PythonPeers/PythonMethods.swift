import DurableWire
import PythonProtocol

/// How CPython's proxies call the manager's objects: the proxy class each type id is rebuilt
/// with, the names of each method's parameters (so keyword arguments land in their positions,
/// with Python's defaults before them), and the methods CPython's proxies call under other
/// names.
enum PythonMethods {
    /// The proxy classes of `multiprocessing.managers` that CPython's `SyncManager` registers for
    /// each type; the others (Queue, JoinableQueue, custom types) are `AutoProxy`s.
    static let proxyTypes: [String: String] = [
        "dict": "DictProxy", "list": "ListProxy", "Namespace": "NamespaceProxy", "Value": "ValueProxy",
        "Lock": "AcquirerProxy", "RLock": "AcquirerProxy", "Semaphore": "AcquirerProxy", "BoundedSemaphore": "AcquirerProxy",
        "Condition": "ConditionProxy", "Event": "EventProxy", "Barrier": "BarrierProxy",
    ]

    /// A parameter's name and the default that fills its place when a later one is given by keyword.
    struct Parameter {
        var name: String
        var defaultValue: Value
    }

    private static func parameters(_ list: [(String, Value)]) -> [Parameter] {
        list.map { Parameter(name: $0.0, defaultValue: $0.1) }
    }

    private static let acquire = parameters([("blocking", true), ("timeout", .null)])

    /// Parameters by type id and method; `create` is the constructor's.
    static let signatures: [String: [String: [Parameter]]] = [
        "Queue": queueSignatures, "JoinableQueue": queueSignatures,
        "Lock": ["acquire": acquire], "RLock": ["acquire": acquire],
        "Semaphore": ["create": parameters([("value", 1)]), "acquire": acquire, "release": parameters([("n", 1)])],
        "BoundedSemaphore": ["create": parameters([("value", 1)]), "acquire": acquire, "release": parameters([("n", 1)])],
        "Condition": [
            "create": parameters([("lock", .null)]), "acquire": acquire, "wait": parameters([("timeout", .null)]),
            "notify": parameters([("n", 1)]),
        ],
        "Event": ["wait": parameters([("timeout", .null)])],
        "Barrier": ["create": parameters([("parties", .null), ("timeout", .null)]), "wait": parameters([("timeout", .null)])],
        "Value": ["create": parameters([("value", .null)])],
        "dict": [
            "get": parameters([("key", .null), ("default", .null)]), "pop": parameters([("key", .null)]),
            "setdefault": parameters([("key", .null), ("default", .null)]),
        ],
        "list": [
            "pop": parameters([("index", -1)]), "insert": parameters([("index", 0), ("object", .null)]),
            "index": parameters([("value", .null)]), "sort": parameters([("reverse", false)]),
        ],
    ]

    private static let queueSignatures: [String: [Parameter]] = [
        "create": parameters([("maxsize", 0)]),
        "put": parameters([("item", .null), ("block", true), ("timeout", .null)]),
        "get": parameters([("block", true), ("timeout", .null)]),
        "put_nowait": parameters([("item", .null)]),
    ]

    /// Positional arguments, then keyword arguments in their places; an unknown keyword is
    /// Python's `TypeError`.
    static func arguments(
        _ positional: [Value], keywords: [(String, Value)], typeID: String, method: String
    ) throws(ManagerError) -> [Value] {
        guard !keywords.isEmpty else { return positional }
        guard let parameters = signatures[typeID]?[method] else {
            throw ManagerError(.wrongType, "\(typeID).\(method)() takes no keyword arguments here (got \(keywords.map(\.0).joined(separator: ", ")))")
        }
        var values = positional
        for (name, value) in keywords {
            guard let index = parameters.firstIndex(where: { $0.name == name }) else {
                throw ManagerError(.wrongType, "\(typeID).\(method)() got an unexpected keyword argument '\(name)'")
            }
            guard index >= positional.count else {
                throw ManagerError(.wrongType, "\(typeID).\(method)() got multiple values for argument '\(name)'")
            }
            while values.count <= index { values.append(parameters[values.count].defaultValue) }
            values[index] = value
        }
        return values
    }

    /// The methods a proxy of `typeID` may call, as `create` and `get_methods` answer: what an
    /// `AutoProxy` (a Queue, a custom type) builds its methods from.
    static func exposed(_ typeID: String, registry: TypeRegistry) -> [String] {
        guard let type = registry[typeID] else { return [] }
        var names = type.exposed
        if typeID == "dict" { names.insert("__iter__") }
        return names.sorted()
    }

    /// The Python exception for a manager error, as `(module, class)`; nil for errors of the
    /// manager itself (an unknown object, a method not exposed), which CPython's server answers
    /// with `#TRACEBACK`.
    static func exception(for code: ManagerError.Code) -> (module: String, name: String)? {
        switch code {
        case .keyError: ("builtins", "KeyError")
        case .indexError: ("builtins", "IndexError")
        case .attributeError: ("builtins", "AttributeError")
        case .valueError: ("builtins", "ValueError")
        case .memoryError: ("builtins", "MemoryError")
        case .overflowError: ("builtins", "OverflowError")
        case .wrongType, .typeMismatch: ("builtins", "TypeError")
        case .empty: ("_queue", "Empty")
        case .full: ("queue", "Full")
        case .timeout: ("builtins", "TimeoutError")
        case .notOwner: ("builtins", "RuntimeError")
        case .brokenBarrier: ("threading", "BrokenBarrierError")
        case .journalFailure, .shuttingDown, .cancelled, .connectionLost: ("builtins", "RuntimeError")
        default: nil
        }
    }
}
