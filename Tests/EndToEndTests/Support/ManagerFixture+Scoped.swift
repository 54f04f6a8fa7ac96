import Testing

/// Starts a manager process (with ``ManagerFixture/start(extraArguments:logLevel:captureStandardError:journalPath:authkeyPath:executable:launcher:)``'s
/// options), runs `body` with it, and stops it however `body` ends.
func withManagerProcess(
    extraArguments: [String] = [], captureStandardError: Bool = false, launcher: [String] = [],
    _ body: (ManagerFixture) async throws -> Void
) async throws {
    let manager = try await ManagerFixture.start(extraArguments: extraArguments, captureStandardError: captureStandardError, launcher: launcher)
    do {
        try await body(manager)
    } catch {
        await manager.stop()
        throw error
    }
    await manager.stop()
}

/// The manager process is alive and answers a new client.
func expectServing(_ manager: ManagerFixture, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(processExists(manager.pid), "the manager process is gone", sourceLocation: sourceLocation)
    #expect(try manager.rawConnection().call(0, "ping").isSuccess, sourceLocation: sourceLocation)
}

/// Runs `check` on a new connection now, after SIGKILL and a restart (state replayed from the
/// journal), and after a clean stop and a restart (state read from the checkpoint), with words
/// for its messages that say which.
func expectAcrossRestarts(
    _ manager: ManagerFixture, sourceLocation: SourceLocation = #_sourceLocation,
    _ check: (RawConnection, String) throws -> Void
) async throws {
    try check(try manager.rawConnection(), "before any restart")
    await manager.kill()
    try await manager.restart()
    try check(try manager.rawConnection(), "after a kill and a restart")
    #expect(await manager.terminate() == 0, "the clean stop failed", sourceLocation: sourceLocation)
    try await manager.restart()
    try check(try manager.rawConnection(), "after a clean stop and a restart")
}
