/// A Python value as this package reads and writes pickles: data only, and the few objects the
/// manager protocol carries (a token, a proxy, a range, a slice, an exception to raise).
package indirect enum PickleValue: Hashable, Sendable {
    case none
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list([PickleValue])
    /// Pairs in pickle order; keys may repeat only if the pickle repeats them.
    case dict([PickleDictEntry])
    /// A set or a frozenset, as its elements.
    case set([PickleValue])
    /// `range(start, stop, step)`.
    case range(start: Int64, stop: Int64, step: Int64)
    /// `slice(start, stop, step)`.
    case slice(PickleValue, PickleValue, PickleValue)
    /// `multiprocessing.managers.Token(typeid, address, id)`.
    case token(PythonToken)
    /// A proxy, pickled as `RebuildProxy(proxytype, token, serializer, kwds)`.
    case proxy(PythonProxyReference)
    /// An exception instance, `module.name(*arguments)`: written in replies, never read.
    case exception(module: String, name: String, arguments: [PickleValue])
}

/// One key and value of a pickled dict.
package struct PickleDictEntry: Hashable, Sendable {
    package var key: PickleValue
    package var value: PickleValue

    package init(_ key: PickleValue, _ value: PickleValue) {
        self.key = key
        self.value = value
    }
}

/// `multiprocessing.managers.Token`: what a proxy names its object by.
package struct PythonToken: Hashable, Sendable {
    package var typeID: String
    /// The manager's address as the client connects to it: a path, or `(host, port)`.
    package var address: PickleValue
    /// The object's id, a string in CPython's server.
    package var id: String

    package init(typeID: String, address: PickleValue, id: String) {
        self.typeID = typeID
        self.address = address
        self.id = id
    }
}

/// A proxy as it travels inside a value: the proxy class CPython rebuilds it with (a name in
/// `multiprocessing.managers`, such as `DictProxy` or `AutoProxy`), its token, and for an
/// `AutoProxy` the methods it exposes.
package struct PythonProxyReference: Hashable, Sendable {
    package var proxyType: String
    package var token: PythonToken
    package var exposed: [String]?

    package init(proxyType: String, token: PythonToken, exposed: [String]?) {
        self.proxyType = proxyType
        self.token = token
        self.exposed = exposed
    }
}
