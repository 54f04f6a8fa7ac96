// The seed document's "Customized managers" example, in Swift. In Python:
//
//     class Foo:
//         def bar(self): print('BAR')
//         def baz(self): print('BAZ')
//
//     class MyManager(BaseManager): pass
//     MyManager.register('Foo', Foo)
//
//     with MyManager() as manager:
//         f = manager.Foo()
//         f.bar(); f.baz()
//
// `swift run seed-example` starts this same program as the manager (`seed-example serve`), creates
// a Foo in it, and calls both methods: the manager prints BAR and BAZ (relayed to this terminal).
import DurableManager
import DurableManagerServe
import Foundation
import Proxies

/// The shared type: it lives in the manager, and clients call it through a proxy.
final class Foo {
    func bar() { print("BAR") }
    func baz() { print("BAZ") }
}

/// The manager: only Foo, exposing `bar` and `baz`.
struct MyManager: CustomManager {
    static let types = TypeRegistry().registering(
        SharedType<Foo>("Foo") { _ in Foo() }
            .method("bar") { foo in foo.bar() }
            .method("baz") { foo in foo.baz() }
    )
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "serve" {
    await MyManager.serve(arguments: arguments)
}

var options = SyncManager.StartOptions()
options.executable = URL(fileURLWithPath: CommandLine.arguments[0]).path
let manager = try await SyncManager.start(options)
let foo = try await manager.create("Foo")
try await foo.call("bar")
try await foo.call("baz")
await manager.shutdown()
