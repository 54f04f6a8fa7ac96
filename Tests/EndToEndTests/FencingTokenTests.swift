import Foundation
import Proxies
import Testing

/// Every acquire of a Lock or RLock yields a fencing token larger than every token that lock
/// gave before, across restarts of the manager too.
@Suite(.serialized)
struct FencingTokenTests {
    @Test func tokensStrictlyIncreaseAcrossAcquiresHandOffsAndARestart() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await manager.connect()
        let lock = try await client.lock("fenced")
        var tokens: [FencingToken] = []
        for _ in 0..<3 {
            tokens.append(try #require(try await lock.acquireToken()))
            try await lock.release()
        }
        // A waiter handed the lock gets a larger token than the holder's.
        try #require(try await lock.acquire())
        let other = try await manager.connect()
        let otherLock = try await other.lock("fenced")
        // (Locks are owned per task: the waiter releases in its own.)
        let waiting = Task {
            let token = try await otherLock.acquireToken()
            try await otherLock.release()
            return token
        }
        try await Task.sleep(for: .milliseconds(100))
        try await lock.release()
        tokens.append(try #require(try await waiting.value))
        // An RLock's holder acquiring again gets a larger one too.
        let rlock = try await client.rLock("fenced-r")
        let outer = try await rlock.withLock { outer in try await rlock.withLock { inner in (outer, inner) } }
        #expect(outer.0 < outer.1)

        await manager.kill()
        try await manager.restart()
        // The restart made a new lock of that name: its tokens carry the new run, above the old.
        let afterRestart = try await lock.withLock { token in token }
        tokens.append(afterRestart)
        #expect(tokens == tokens.sorted() && Set(tokens).count == tokens.count, "\(tokens)")
        // A script sees the token too.
        let call = try await DurablectlRun.run(
            ["call", "--connect", "\(manager.address)", "--authkey-file", manager.authkeyPath, "Lock:scripted", "acquire"], home: manager.folder
        )
        #expect(call.status == 0 && (Int64(call.output) ?? 0) > 0, "\(call.summary)")
        await other.shutdown()
        await client.shutdown()
        await manager.stop()
    }
}
