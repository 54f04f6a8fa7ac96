import PythonProtocol

/// What a request's reply becomes in Python, beside the plain `('#RETURN', value)`.
enum PythonReplyShape {
    case value
    /// A server function's answer, computed when it ran: the store's reply only carries the
    /// journal's timing (a `create` is answered once its record is committed).
    case fixed(PickleValue)
    /// A lock's `acquire`: the manager answers a fencing token, Python expects `True`.
    case acquire
    /// A dict's `__getitem__`, `__delitem__` or `pop`: a `KeyError` carries this key, as in CPython.
    case keyed(PickleValue)
    /// A list's `__getitem__` with a slice: the reply is the whole list, sliced here.
    case slice(PickleValue, PickleValue, PickleValue)
    /// A dict's `__iter__`: the reply is its keys, kept as an iterator object the client gets a proxy to.
    case iterator
    /// A dict's `items`: Python's pairs are tuples, the manager's are arrays.
    case pairs
    /// A dict's `popitem`: one pair, a tuple.
    case pair
    /// `__repr__` and `__str__`: the reply is the value, written as Python's `repr` would.
    case repr
}
