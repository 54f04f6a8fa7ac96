import DurableWire

/// A type of your own that a manager shares, as Python's `BaseManager.register(typeid, callable,
/// exposed=..., method_to_typeid=...)` registers one.
///
/// Build it from a type id and a creator, then add each method clients may call, by name.
/// A durable type (``durable(_:create:)``, for a `Codable` class) is saved whole after each of
/// its mutating methods and comes back after a restart; any other type lives in memory only.
///
/// ```swift
/// final class Foo {
///     func bar() { print("BAR") }
///     func baz() { print("BAZ") }
/// }
///
/// let foo = SharedType<Foo>("Foo") { _ in Foo() }
///     .method("bar") { foo in foo.bar() }
///     .method("baz") { foo in foo.baz() }
/// let types = TypeRegistry.syncManager.registering(foo)
/// ```
///
/// Methods run one at a time on the manager's loop, so the object needs no lock; a method must
/// not block. An error a method throws reaches the caller as a ``ManagerError`` whose code is
/// the error's type name (a ``ManagerError`` it throws reaches the caller as it is).
public struct SharedType<Object: AnyObject & SendableMetatype>: Sendable {
    /// How a method's result goes back to the caller.
    enum Outcome {
        case value(Value)
        /// A new shared object the manager keeps; the caller gets a proxy to it.
        case object(AnyObject)
    }

    struct Method: Sendable {
        var mutating: Bool
        /// The type id of the object the method returns (Python's `method_to_typeid`).
        var returnsTypeID: String?
        var body: @Sendable (Object, Arguments) throws -> Outcome
    }

    /// How a durable type's state is written and read.
    struct Coding: Sendable {
        var encode: @Sendable (Object) throws -> Value
        var decode: @Sendable (Value) throws -> Object
    }

    /// The registered name clients create it by.
    public let typeID: String
    let create: @Sendable (Arguments) throws -> Object
    private(set) var methods: [String: Method] = [:]
    let coding: Coding?

    /// An in-memory type: its objects are lost when the manager stops, as a Python manager's are.
    /// - Parameters:
    ///   - typeID: The name clients create it by (`SyncManager.create(_:)`, a proxy's `typeID`).
    ///   - create: Builds a new object from the arguments of the creating call.
    public init(_ typeID: String, create: @escaping @Sendable (Arguments) throws -> Object) {
        self.init(typeID: typeID, create: create, coding: nil)
    }

    private init(typeID: String, create: @escaping @Sendable (Arguments) throws -> Object, coding: Coding?) {
        self.typeID = typeID
        self.create = create
        self.coding = coding
    }

    /// Adds a method that takes the call's arguments and returns an `Encodable` result.
    /// - Parameter mutating: Whether the method changes the object; a durable type saves its
    ///   state after each call of a mutating method.
    public func method<Result: Encodable & SendableMetatype>(
        _ name: String, mutating: Bool = false, _ body: @escaping @Sendable (Object, Arguments) throws -> Result
    ) -> SharedType {
        adding(name, Method(mutating: mutating, returnsTypeID: nil) { object, arguments in
            let result = try body(object, arguments)
            return .value(try ValueEncoder().encode(result))
        })
    }

    /// Adds a method that takes the call's arguments and returns nothing.
    public func method(_ name: String, mutating: Bool = false, _ body: @escaping @Sendable (Object, Arguments) throws -> Void) -> SharedType {
        adding(name, Method(mutating: mutating, returnsTypeID: nil) { object, arguments in
            try body(object, arguments)
            return .value(.null)
        })
    }

    /// Adds a method that takes no arguments and returns an `Encodable` result.
    public func method<Result: Encodable & SendableMetatype>(_ name: String, mutating: Bool = false, _ body: @escaping @Sendable (Object) throws -> Result) -> SharedType {
        method(name, mutating: mutating) { object, arguments throws -> Result in
            try arguments.expect(0...0)
            return try body(object)
        }
    }

    /// Adds a method that takes no arguments and returns nothing.
    public func method(_ name: String, mutating: Bool = false, _ body: @escaping @Sendable (Object) throws -> Void) -> SharedType {
        method(name, mutating: mutating) { object, arguments throws in
            try arguments.expect(0...0)
            try body(object)
        }
    }

    /// Adds a method whose result is a new shared object of the registered type `typeID`: the
    /// manager keeps it and the caller gets a proxy to it (Python's `method_to_typeid`). It
    /// lives while a proxy or another object refers to it.
    public func method<Child: AnyObject>(
        _ name: String, mutating: Bool = false, returning typeID: String,
        _ body: @escaping @Sendable (Object, Arguments) throws -> Child
    ) -> SharedType {
        adding(name, Method(mutating: mutating, returnsTypeID: typeID) { object, arguments in
            .object(try body(object, arguments))
        })
    }

    private func adding(_ name: String, _ method: Method) -> SharedType {
        var copy = self
        copy.methods[name] = method
        return copy
    }
}

extension SharedType where Object: Codable {
    /// A durable type: its state is the object itself, encoded, and is journaled after every
    /// call of a mutating method, so a restarted manager has each object as the last
    /// acknowledged call left it. `durablectl show` prints that state.
    ///
    /// ```swift
    /// final class Counter: Codable { var value = 0 }
    ///
    /// let counter = SharedType<Counter>.durable("Counter") { _ in Counter() }
    ///     .method("increment", mutating: true) { counter in counter.value += 1; return counter.value }
    ///     .method("value") { counter in counter.value }
    /// ```
    public static func durable(_ typeID: String, create: @escaping @Sendable (Arguments) throws -> Object) -> SharedType {
        SharedType(typeID: typeID, create: create, coding: Coding(
            encode: { object in try ValueEncoder().encode(object) },
            decode: { state in try ValueDecoder().decode(Object.self, from: state) }
        ))
    }
}
