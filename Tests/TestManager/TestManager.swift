// A custom manager for the end-to-end tests: an in-memory type whose method returns a new
// shared object (method_to_typeid), a durable type, and one built-in (dict).
import DurableManager
import DurableManagerServe

final class Greeter {
    var greeting = "hello"
}

final class Tally: Codable {
    var count = 0
    var notes: [String] = []
}

@main
struct TestManager: CustomManager {
    static let types = TypeRegistry.syncManager.keeping(["dict"])
        .registering(
            SharedType<Greeter>("Greeter") { _ in Greeter() }
                .method("greet") { greeter, arguments in "\(greeter.greeting), \(try arguments.decode(String.self, at: 0))" }
                .method("tally", returning: "Tally") { _, _ in Tally() }
        )
        .registering(
            SharedType<Tally>.durable("Tally") { _ in Tally() }
                .method("add", mutating: true) { tally, arguments in
                    tally.count += 1
                    tally.notes.append(try arguments.decode(String.self, at: 0))
                    return tally.count
                }
                .method("count") { tally in tally.count }
                .method("notes") { tally in tally.notes }
        )
}
