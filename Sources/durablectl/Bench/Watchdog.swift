/// Runs `body`; if it is still running after `limit`, calls `onExpiry`, which must make it end
/// (by killing the processes whose pipes it reads). Blocking reads on the thread pool cannot be
/// cancelled, but they end when the process at the other end dies.
func withWatchdog<Result: Sendable>(
    after limit: Duration,
    onExpiry: @escaping @Sendable () -> Void,
    _ body: () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try? await Task.sleep(for: limit)
            if !Task.isCancelled { onExpiry() }
        }
        defer { group.cancelAll() }
        return try await body()
    }
}
