import DurableWire
import Proxies

/// The shared objects of one run, named under a prefix of their own, so a run against a
/// manager that holds other work (`--connect`) touches none of it, and removes its names after.
struct BenchObjects: Sendable {
    let prefix: String

    /// A new random prefix for one run.
    static func unique() -> BenchObjects {
        BenchObjects(prefix: "durablectl-bench-" + ManagerConnection.randomSessionID().prefix(8))
    }

    var dict: String { prefix + ".dict" }
    var list: String { prefix + ".list" }
    var namespace: String { prefix + ".namespace" }
    var lock: String { prefix + ".lock" }
    var queue: String { prefix + ".queue" }
    var called: String { prefix + ".call" }

    /// Creates the object `plan` works on before any worker starts; for `dict_get`, fills every
    /// client's keys.
    func create(for plan: BenchPlan, on manager: SyncManager) async throws {
        switch plan.operation {
        case .dictSet, .dictGet:
            let shared: DictProxy<String, String> = try await manager.dict(dict)
            if plan.operation == .dictGet {
                for client in 0..<plan.clients {
                    try await shared.update((0..<BenchPlan.keysPerClient).map {
                        (BenchPlan.key(client: client, call: $0), BenchPlan.value)
                    })
                }
            }
        case .listAppend:
            let _: ListProxy<String> = try await manager.list(list)
        case .nsSet:
            _ = try await manager.namespace(namespace)
        case .lock:
            _ = try await manager.lock(lock)
        case .queue:
            let _: QueueProxy<String> = try await manager.queue(queue)
        case .call:
            guard let call = plan.call else { return }
            _ = try await manager.create(call.typeID, name: called)
        }
    }

    /// Unbinds every name of the run; the objects go with their last reference.
    func delete(on manager: SyncManager) async {
        for name in [dict, list, namespace, lock, queue, called] {
            _ = try? await manager.delete(name)
        }
    }
}
