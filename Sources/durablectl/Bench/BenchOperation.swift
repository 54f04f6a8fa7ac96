import ArgumentParser

/// The call a benchmark client repeats, under the names `mp_manager_bench.py` uses, so that a
/// script can put the two results side by side.
enum BenchOperation: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// `d[key] = value` on one shared dict, 1000 keys per client, cycled.
    case dictSet = "dict_set"
    /// `d[key]` on a dict filled beforehand.
    case dictGet = "dict_get"
    /// `lst.append(value)` on one shared list.
    case listAppend = "list_append"
    /// `ns.a<client> = value` on one shared Namespace.
    case nsSet = "ns_set"
    /// One acquire and one release of one shared Lock.
    case lock
    /// Producers put and consumers get on one shared Queue; an op is one item moved.
    case queue
    /// `--method` with the `--argument` values on one object of `--type`: any method of any
    /// type, a custom manager's included (`--manager`).
    case call
}
