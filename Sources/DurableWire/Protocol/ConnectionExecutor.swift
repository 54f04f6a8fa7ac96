package import NIOCore

/// The thread a connection's I/O runs on, as a task executor.
///
/// A task that prefers it runs its calls where their replies arrive: a call writes its request
/// without handing it to another thread, and the reply resumes the caller without waking one.
/// Without it, every call crosses threads twice (the caller's thread to the connection's, and
/// back), which costs more CPU than the call's own work.
///
/// Get it from `SyncManager.executor` or `ManagerConnection.executor`. The manager's journal on
/// PostgreSQL runs its statements on one too, so that a thread blocked waiting for them never
/// waits for Swift's shared pool.
public final class ConnectionExecutor: TaskExecutor, Sendable {
    private let loop: any EventLoop

    package init(loop: any EventLoop) {
        self.loop = loop
    }

    /// Runs `job` on the connection's thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        // Run as this task executor's job, not as the loop's serial executor's: a nonisolated
        // function checks that it runs on its task's preferred executor, and would hop again.
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

}
