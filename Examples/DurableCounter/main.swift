// A durable custom type: a counter whose every increment is journaled before the caller hears
// back, so it survives a SIGKILL of its manager.
//
// `swift run durable-counter-example` starts this program as the manager on a journal in a
// temporary folder, increments a named counter three times, kills the manager with SIGKILL,
// starts it again on the same journal, and reads the counter back: 3.
import DurableManager
import DurableManagerServe
import Foundation
import Proxies

/// The shared type. Durable types are `Codable`: the state is the object itself.
final class Counter: Codable {
    var value = 0
}

struct CounterManager: CustomManager {
    static let types = TypeRegistry.syncManager.registering(
        SharedType<Counter>.durable("Counter") { _ in Counter() }
            .method("increment", mutating: true) { counter in
                counter.value += 1
                return counter.value
            }
            .method("value") { counter in counter.value }
    )
}

/// A typed proxy: a few lines over the handle, with the compiler checking the calls.
struct CounterProxy: SharedObjectProxy {
    static let typeID = "Counter"
    let handle: ProxyHandle
    init(handle: ProxyHandle) { self.handle = handle }

    func increment() async throws -> Int {
        try await handle.call("increment", returning: Int.self)
    }

    func value() async throws -> Int {
        try await handle.call("value", returning: Int.self)
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "serve" {
    await CounterManager.serve(arguments: arguments)
}

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("durable-counter-\(getpid())").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
var options = SyncManager.StartOptions()
options.executable = URL(fileURLWithPath: CommandLine.arguments[0]).path
options.journal = folder + "/counter.sqlite"

let first = try await SyncManager.start(options)
let counter = try await first.open(CounterProxy.self, name: "visits")
for _ in 1...3 { _ = try await counter.increment() }
print("counter after 3 increments: \(try await counter.value())")
if let pid = first.managerProcessID {
    kill(pid, SIGKILL)
    print("killed the manager (pid \(pid)) with SIGKILL")
}
await first.shutdown()

let second = try await SyncManager.start(options)
let again = try await second.open(CounterProxy.self, name: "visits")
print("counter after the restart: \(try await again.value())")
print("counter after one more increment: \(try await again.increment())")
await second.shutdown()
try? FileManager.default.removeItem(atPath: folder)
