import DurableManager
import DurableWire
import Logging
import Testing

/// Custom types through the real connection handler: registration, exposure, creation
/// arguments, errors, and methods that return new shared objects (`method_to_typeid`).
struct CustomTypeTests {
    final class Greeter {
        var greeting: String
        init(greeting: String) { self.greeting = greeting }
    }

    final class Tally: Codable {
        var count = 0
    }

    struct Refusal: Error, CustomStringConvertible {
        var description: String { "no greeting for nobody" }
    }

    static let greeter = SharedType<Greeter>("Greeter") { arguments in
        Greeter(greeting: arguments.count > 0 ? try arguments.decode(String.self, at: 0) : "hello")
    }
    .method("greet") { greeter, arguments in
        let name = try arguments.decode(String.self, at: 0)
        guard !name.isEmpty else { throw Refusal() }
        return "\(greeter.greeting), \(name)"
    }
    .method("set_greeting", mutating: true) { greeter, arguments in
        greeter.greeting = try arguments.decode(String.self, at: 0)
    }
    .method("tally", returning: "Tally") { _, _ in Tally() }

    static let tally = SharedType<Tally>.durable("Tally") { _ in Tally() }
        .method("add", mutating: true) { tally in
            tally.count += 1
            return tally.count
        }

    /// A state that cannot always be encoded: a negative balance has no encoding.
    final class Account: Codable {
        struct Overdrawn: Error {}
        var balance = 0

        init() {}

        func encode(to encoder: any Encoder) throws {
            guard balance >= 0 else { throw Overdrawn() }
            var container = encoder.singleValueContainer()
            try container.encode(balance)
        }

        init(from decoder: any Decoder) throws {
            balance = try decoder.singleValueContainer().decode(Int.self)
        }
    }

    static let account = SharedType<Account>.durable("Account") { arguments in
        let account = Account()
        account.balance = arguments.count > 0 ? try arguments.decode(Int.self, at: 0) : 0
        return account
    }
    .method("add", mutating: true) { account, arguments in
        account.balance += try arguments.decode(Int.self, at: 0)
        return account.balance
    }
    .method("balance") { account in account.balance }

    /// Hands out one shared child, the same each time.
    final class Shelf {
        let tally = Tally()
    }

    static let shelf = SharedType<Shelf>("Shelf") { _ in Shelf() }
        .method("tally", returning: "Tally") { shelf, _ in shelf.tally }

    static let types = TypeRegistry.syncManager.keeping(["dict"]).registering(greeter).registering(tally)

    @Test func aRegisteredTypeIsCreatedWithItsArgumentsAndCalledByName() throws {
        let client = try ManagerHarness(registry: Self.types).connect()
        let plain = try client.create("Greeter")
        #expect(try client.value(plain, "greet", ["Ada"]) == "hello, Ada")
        let custom = try client.create("Greeter", ["bonjour"])
        #expect(try client.value(custom, "greet", ["Ada"]) == "bonjour, Ada")
        try client.value(custom, "set_greeting", ["salut"])
        #expect(try client.value(custom, "greet", ["Ada"]) == "salut, Ada")
    }

    @Test func aMethodThatIsNotExposedIsRefusedNamingTheMethodAndTheType() throws {
        let client = try ManagerHarness(registry: Self.types).connect()
        let greeter = try client.create("Greeter")
        let error = try client.error(greeter, "greeting")
        #expect(error?.code == .notExposed)
        #expect(error?.message.contains("'greeting'") == true)
        #expect(error?.message.contains("Greeter") == true)
    }

    @Test func wrongArgumentsAreTypeErrorsAndUserErrorsKeepTheirTypeName() throws {
        let client = try ManagerHarness(registry: Self.types).connect()
        let greeter = try client.create("Greeter")
        #expect(try client.errorCode(greeter, "greet", [42]) == .wrongType)
        #expect(try client.errorCode(greeter, "greet") == .wrongType)
        let refused = try client.error(greeter, "greet", [""])
        #expect(refused?.code.name == "Refusal")
        #expect(refused?.message.contains("no greeting for nobody") == true)
        #expect(try client.value(greeter, "greet", ["Ada"]) == "hello, Ada")
    }

    @Test func aMethodReturningASharedObjectGivesAReferenceToANewObjectOfThatType() throws {
        let client = try ManagerHarness(registry: Self.types).connect()
        let greeter = try client.create("Greeter")
        guard case .reference(let first) = try client.value(greeter, "tally"),
              case .reference(let second) = try client.value(greeter, "tally") else {
            Issue.record("tally did not return a reference")
            return
        }
        #expect(first.typeID == "Tally")
        #expect(first.id != second.id)
        #expect(try client.value(first, "add") == 1)
        #expect(try client.value(first, "add") == 2)
        #expect(try client.value(second, "add") == 1)
    }

    @Test func theSameObjectReturnedTwiceIsTheSameSharedObject() throws {
        let client = try ManagerHarness(registry: Self.types.registering(Self.shelf)).connect()
        let shelf = try client.create("Shelf")
        guard case .reference(let first) = try client.value(shelf, "tally"),
              case .reference(let second) = try client.value(shelf, "tally") else {
            Issue.record("tally did not return a reference")
            return
        }
        #expect(first == second)
        #expect(try client.value(first, "add") == 1)
        #expect(try client.value(second, "add") == 2)
    }

    @Test func aStateThatCannotBeEncodedFailsTheCallAndLeavesTheObjectAsRecorded() throws {
        let client = try ManagerHarness(registry: TypeRegistry().registering(Self.account)).connect()
        guard case .failure(let refused) = try client.call(0, "create", ["Account", nil, [-5]]) else {
            Issue.record("an Account whose state cannot be encoded was created")
            return
        }
        #expect(refused.code.name == "Overdrawn")
        let account = try client.create("Account", [10])
        #expect(try client.value(account, "add", [5]) == 15)
        let overdrawn = try client.error(account, "add", [-100])
        #expect(overdrawn?.code.name == "Overdrawn")
        #expect(overdrawn?.message.contains("encoding its state after 'add'") == true)
        #expect(try client.value(account, "balance") == 15)
    }

    @Test func aManagerWhoseMethodReturnsAnUnregisteredTypeDoesNotStart() async throws {
        var configuration = ManagerServer.Configuration(addresses: [.unixDomainSocket(path: "/tmp/never-bound.sock")], authkey: .random())
        configuration.types = TypeRegistry().registering(Self.greeter)
        await #expect(throws: ManagerError.self) { try await ManagerServer(configuration: configuration, logger: Logger(label: "test")).run() }
    }

    @Test func aCustomManagerOffersOnlyTheBuiltInsItKeeps() throws {
        let client = try ManagerHarness(registry: Self.types).connect()
        _ = try client.create("dict")
        guard case .failure(let error) = try client.call(0, "create", ["Queue", nil, []]) else {
            Issue.record("a Queue was created by a manager that does not offer it")
            return
        }
        #expect(error.code == .valueError)
        #expect(error.message.contains("Greeter, Tally, dict"))
    }

    @Test func theBuiltInsAreEntriesOfTheSameRegistry() {
        #expect(TypeRegistry.syncManager.typeIDs == [
            "Barrier", "BoundedSemaphore", "Condition", "Event", "JoinableQueue", "Lock", "Namespace",
            "Queue", "RLock", "Semaphore", "Value", "WorkQueue", "dict", "list",
        ])
        #expect(Self.types.typeIDs == ["Greeter", "Tally", "dict"])
    }
}
