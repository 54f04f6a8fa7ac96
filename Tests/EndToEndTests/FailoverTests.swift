import DurableWire
import Foundation
import Proxies
import Synchronization
import Testing

/// A client given several addresses uses the first whose manager serves, and fails over to
/// another when its manager is lost, with nothing lost or applied twice. The takeover is
/// played by a second manager started on the dead one's SQLite journal at another address (the
/// journal's lock lets one manager at a time serve it), as a standby taking over would.
@Suite(.serialized)
struct FailoverTests {
    /// An address nothing listens on: a Unix socket in a folder that does not exist.
    private static let deadAddress = ManagerAddress.unixDomainSocket(path: "/nonexistent-\(UUID().uuidString)/manager.sock")

    @Test func aDeadAddressIsSkippedAndCallsGoToTheLiveOne() async throws {
        let manager = try await ManagerFixture.start()
        let client = try await SyncManager.connect(to: [Self.deadAddress, manager.address], authkey: try manager.authkey())
        #expect(client.address == manager.address)
        #expect(client.connection.addresses == [Self.deadAddress, manager.address])
        let status: DictProxy<String, Int> = try await client.dict("status")
        try await status.set("a", 1)
        // The manager process holds it: another client of that one address sees it.
        let direct = try await manager.connect()
        #expect(try await direct.dict("status", keys: String.self, values: Int.self)["a"] == 1)
        await direct.shutdown()
        await client.shutdown()
        await manager.stop()
    }

    @Test func whenNoAddressServesTheErrorNamesEachAndWhy() async throws {
        let other = ManagerAddress.unixDomainSocket(path: "/nonexistent-\(UUID().uuidString)/other.sock")
        let started = ContinuousClock.now
        do {
            _ = try await SyncManager.connect(
                to: [Self.deadAddress, other], authkey: Authkey(bytes: Array("key".utf8)), reconnectWindow: .milliseconds(300)
            )
            Issue.record("connected to nothing")
        } catch {
            #expect(error.code == .connectionLost)
            #expect(error.message.contains("no manager at \(Self.deadAddress), \(other) served within"), "\(error)")
            #expect(error.message.contains("\(Self.deadAddress): cannot connect"), "\(error)")
            #expect(error.message.contains("\(other): cannot connect"), "\(error)")
        }
        // It went round for the window, not for the 30 s default.
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func callsCarryOnThroughTheManagerThatTookOverTheJournalWithNothingLostOrDoubled() async throws {
        let first = try await ManagerFixture.start()
        // B's address, where nothing listens until the takeover: its folder is made now.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dm-e2e-b-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let secondAddress = ManagerAddress.unixDomainSocket(path: folder + "/manager.sock")

        let client = try await SyncManager.connect(to: [first.address, secondAddress], authkey: try first.authkey())
        let events = client.events
        #expect(client.address == first.address)
        let counter: DictProxy<String, Int> = try await client.dict("counter")
        let appended: ListProxy<Int> = try await client.list("appended")
        // Calls run on while A dies and B takes over, and for a while after: each append is
        // exactly-once across the failover.
        // The waits below end when the calls do: a client that cannot fail over fails the test
        // once its reconnect window is over, rather than hanging it.
        let progress = Mutex((made: 0, stop: false, ended: false))
        let calls = Task {
            defer { progress.withLock { $0.ended = true } }
            var index = 0
            while !progress.withLock({ $0.stop }) {
                try await appended.append(index)
                try await counter.set("n", index + 1)
                index += 1
                progress.withLock { $0.made = index }
            }
            return index
        }
        while progress.withLock({ $0.made < 50 && !$0.ended }) { try await Task.sleep(for: .milliseconds(5)) }
        await first.kill()
        let beforeTakeover = progress.withLock { $0.made }
        let second = try await ManagerFixture.start(
            extraArguments: ["--listen", "\(secondAddress)"], journalPath: first.journalPath, authkeyPath: first.authkeyPath
        )
        while progress.withLock({ $0.made < beforeTakeover + 50 && !$0.ended }) { try await Task.sleep(for: .milliseconds(5)) }
        progress.withLock { $0.stop = true }
        let total: Int
        do {
            total = try await calls.value
        } catch {
            await client.shutdown()
            await second.stop()
            await first.stop()
            throw error
        }

        try #require(client.address == secondAddress)
        #expect(try await counter["n"] == total)
        #expect(try await appended.copy() == Array(0..<total))
        var failover: ConnectionEvent?
        for await event in events where event.kind == .managerRestarted || event.kind == .reconnected {
            failover = event
            break
        }
        #expect(failover?.message.contains("reconnected to the manager at \(secondAddress) after the one at \(first.address) was lost") == true, "\(String(describing: failover))")
        await client.shutdown()
        await second.stop()
        await first.stop()
    }

    @Test func durablectlConnectTakesAListAndPingsTheManagerThatServes() async throws {
        let manager = try await ManagerFixture.start()
        let ping = try await DurablectlRun.run(
            ["ping", "--json", "--connect", "\(Self.deadAddress),\(manager.address)", "--authkey-file", manager.authkeyPath], home: manager.folder
        )
        #expect(ping.status == 0, "\(ping.summary)")
        #expect(try ping.jsonObject()["address"] as? String == "\(manager.address)", "\(ping.summary)")
        // None serving: exit 69 within --timeout, naming each address.
        let none = try await DurablectlRun.run(
            ["ping", "--timeout", "1", "--connect", "\(Self.deadAddress),\(Self.deadAddress)", "--authkey-file", manager.authkeyPath], home: manager.folder
        )
        #expect(none.status == 69, "\(none.summary)")
        #expect(none.standardError.contains("no manager at \(Self.deadAddress), \(Self.deadAddress) served within"), "\(none.summary)")
        await manager.stop()
    }
}
