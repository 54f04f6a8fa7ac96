import DequeModule
package import DurableWire
package import NIOCore

/// Calls parked on an object, first come first served, each with an optional deadline.
///
/// No thread waits: a parked call is an entry here and, if it has a timeout, one timer on the
/// event loop. Whoever takes an entry off (a put, a release, the timer, a cancel) owns the
/// reply from then on.
package final class WaiterQueue<Payload> {
    package final class Waiter {
        package let call: PendingCall
        package var payload: Payload
        /// When it began to wait, for an operator: a lock's waiter since an hour is news.
        package let parkedAt: NIODeadline
        fileprivate var timer: Scheduled<Void>?

        fileprivate init(call: PendingCall, payload: Payload) {
            self.call = call
            self.payload = payload
            parkedAt = call.eventLoop.now
        }
    }

    private var waiters: Deque<Waiter> = []

    package init() {}

    package var isEmpty: Bool { waiters.isEmpty }
    package var count: Int { waiters.count }
    package var payloads: [Payload] { waiters.map(\.payload) }
    /// The longest-waiting call, left on the queue.
    package var first: Waiter? { waiters.first }

    /// The first `limit` waiters, longest-waiting first, each as its session, caller and the
    /// seconds it has waited: what an operator is shown (``count`` says how many wait in all).
    package func describeFirst(_ limit: Int = ObjectDescription.waitersShown, at now: NIODeadline) -> Value {
        .array(waiters.prefix(limit).map { waiter in
            var fields = waiter.call.owner.fields
            fields["waitingFor"] = ObjectDescription.seconds(from: waiter.parkedAt, to: now)
            return .map(fields)
        })
    }

    /// Parks `call` at the back of the queue.
    /// - Parameters:
    ///   - timeout: How long it may wait; `nil` waits until woken or cancelled.
    ///   - onTimeout: Answers the call when its deadline passes; it is already off the queue.
    package func park(
        _ call: PendingCall,
        payload: Payload,
        timeout: TimeAmount?,
        onTimeout: @escaping (Waiter) -> Void
    ) {
        let waiter = Waiter(call: call, payload: payload)
        waiters.append(waiter)
        call.park { [weak self] in self?.remove(waiter) }
        if let timeout {
            waiter.timer = call.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
                guard let self, self.remove(waiter) else { return }
                onTimeout(waiter)
            }
        }
    }

    /// Takes the longest-waiting call off the queue; the caller must complete or re-park it.
    package func popFirst() -> Waiter? {
        guard let waiter = waiters.popFirst() else { return nil }
        waiter.timer?.cancel()
        return waiter
    }

    /// Takes every call off the queue, oldest first.
    package func removeAll() -> [Waiter] {
        let all = Array(waiters)
        waiters.removeAll()
        for waiter in all { waiter.timer?.cancel() }
        return all
    }

    @discardableResult
    private func remove(_ waiter: Waiter) -> Bool {
        guard let index = waiters.firstIndex(where: { $0 === waiter }) else { return false }
        waiters.remove(at: index)
        waiter.timer?.cancel()
        return true
    }
}
