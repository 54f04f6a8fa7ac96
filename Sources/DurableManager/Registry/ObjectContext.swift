package import DurableWire
package import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// What the store gives an object it serves, besides its calls: the loop it lives on, the wall
/// clock, and a way to journal changes that no call makes (a lease that expires, a session that
/// ends).
///
/// An object is given one when it starts to serve (``SharedObject/activate(_:)``): when a call
/// creates it, or, for an object restored and replayed from the journal, once the whole replay is
/// over and the journal is attached, so that its timers never fire between two replayed records.
/// A journal reader never activates its objects: their timers never run and they append nothing.
package struct ObjectContext {
    /// The loop the object lives on; its timers are scheduled here.
    package let eventLoop: any EventLoop
    private let id: UInt64
    private weak var store: ObjectStore?

    init(id: UInt64, store: ObjectStore) {
        self.id = id
        self.store = store
        eventLoop = store.eventLoop
    }

    /// Appends a journal record for the object, as ``PendingCall/record(_:_:)`` does for a call.
    /// Replies sent after it wait until it is committed. Nothing is written by a manager that
    /// keeps no journal.
    package func record(_ op: String, _ arguments: [Value]) {
        store?.journal?.append(object: id, op: op, arguments: arguments)
    }

    /// Seconds since 1970 by the store's wall clock: for a time that must mean the same after a
    /// restart, which the loop's clock (time since boot) does not.
    package var wallClock: Double {
        store?.wallClock() ?? Self.unixTime()
    }

    /// Seconds since 1970 by the system's real-time clock.
    package static func unixTime() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
