import ArgumentParser
public import DurableManager

/// A manager executable of your own: the built-in types or some of them, plus your
/// ``SharedType``s, served with every option of `durablectl serve`.
///
/// Python subclasses `BaseManager` and calls `register`; in Swift a few lines declare the
/// types and `@main` does the rest:
///
/// ```swift
/// import DurableManager
/// import DurableManagerServe
///
/// @main
/// struct JobsManager: CustomManager {
///     static let types = TypeRegistry.syncManager.registering(
///         SharedType<Counter>.durable("Counter") { _ in Counter() }
///             .method("increment", mutating: true) { counter in counter.increment() }
///             .method("value") { counter in counter.value }
///     )
/// }
/// ```
///
/// `jobs-manager --listen unix:/tmp/jobs.sock` (or `jobs-manager serve ...`) runs it; a client's
/// `SyncManager.start` spawns it when its `StartOptions.executable` names it.
public protocol CustomManager {
    /// The types the manager offers.
    static var types: TypeRegistry { get }
}

extension CustomManager {
    /// Serves ``types`` with the options on the command line.
    public static func main() async {
        await serve(arguments: Array(CommandLine.arguments.dropFirst()))
    }

    /// Serves ``types`` with `arguments`, which may start with `serve`; exits when the manager
    /// stops, with the status `durablectl serve` would.
    public static func serve(arguments: [String]) async -> Never {
        var arguments = arguments
        if arguments.first == "serve" { arguments.removeFirst() }
        do {
            let command = try ServeCommand.parse(arguments)
            try await command.serve(types: types)
            ServeCommand.exit()
        } catch {
            ServeCommand.exit(withError: error)
        }
    }
}
