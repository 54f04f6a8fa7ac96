import DurableWire
import Foundation
import Proxies
import Testing

/// TLS on a real manager's TCP listener, with certificates made by `openssl` for each test:
/// clients verify the manager, a manager with `--tls-ca` verifies clients, and whatever fails
/// fails at once with a message that says which certificate, while the manager serves on.
@Suite(.serialized)
struct TLSTests {
    @Test func aClientThatTrustsTheManagersCAWorksEndToEnd() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let manager = try await ManagerFixture.start(extraArguments: [
            "--listen", "tcp:127.0.0.1:0", "--tls-cert", certificates.managerCertificatePath, "--tls-key", certificates.managerKeyPath,
        ])
        let address = try manager.tcpAddress()

        let client = try await SyncManager.connect(to: address, authkey: try manager.authkey(), tls: .init(trustRootsPath: certificates.caPath))
        let status: DictProxy<String, String> = try await client.dict("status")
        try await status.set("job-1", "done")
        #expect(try await status.get("job-1") == "done")
        await client.shutdown()

        let ping = try await durablectl(["ping", "--tls-ca", certificates.caPath], manager: manager, address: address)
        #expect(ping.status == 0, "\(ping.summary)")
        #expect(ping.lines.contains("address: \(address)"), "\(ping.summary)")
        let read = try await durablectl(
            ["call", "status", "__getitem__", "\"job-1\"", "--tls-ca", certificates.caPath], manager: manager, address: address
        )
        #expect(read.status == 0 && read.output == "\"done\"", "\(read.summary)")
        // The Unix socket stays plain: its file's permissions guard it.
        let local = try await manager.connect()
        #expect(try await local.ping().description.contains("epoch"))
        await local.shutdown()
        await manager.stop()
    }

    @Test func aClientThatTrustsAnotherCARefusesTheManager() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let manager = try await ManagerFixture.start(extraArguments: [
            "--listen", "tcp:127.0.0.1:0", "--tls-cert", certificates.managerCertificatePath, "--tls-key", certificates.managerKeyPath,
        ])
        let address = try manager.tcpAddress()

        let wrongCA = await tlsFailure { try await connect(address, manager, tls: .init(trustRootsPath: certificates.otherCAPath)) }
        #expect(wrongCA?.message.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(String(describing: wrongCA))")
        #expect(wrongCA?.message.contains("not signed by a CA in \(certificates.otherCAPath)") == true, "\(String(describing: wrongCA))")
        let ping = try await durablectl(["ping", "--tls-ca", certificates.otherCAPath], manager: manager, address: address)
        ping.expectError(77, containing: "CERTIFICATE_VERIFY_FAILED")
        await manager.stop()
    }

    @Test func aCertificateForAnotherHostIsRefusedUnlessTheClientNamesThatHost() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let manager = try await ManagerFixture.start(extraArguments: [
            "--listen", "tcp:127.0.0.1:0", "--tls-cert", certificates.elsewhereCertificatePath, "--tls-key", certificates.elsewhereKeyPath,
        ])
        let address = try manager.tcpAddress()

        let wrongName = await tlsFailure { try await connect(address, manager, tls: .init(trustRootsPath: certificates.caPath)) }
        #expect(wrongName?.message.contains("HOSTNAME_MISMATCH") == true, "\(String(describing: wrongName))")
        #expect(wrongName?.message.contains("does not name 127.0.0.1") == true, "\(String(describing: wrongName))")
        let ping = try await durablectl(["ping", "--tls-ca", certificates.caPath], manager: manager, address: address)
        ping.expectError(77, containing: "does not name 127.0.0.1")

        let named = try await connect(address, manager, tls: .init(trustRootsPath: certificates.caPath, serverName: "elsewhere.example"))
        #expect(try await named.ping().description.contains("epoch"))
        await named.shutdown()
        await manager.stop()
    }

    @Test func aPlainClientAtTheTLSPortFailsCleanlyAndTheManagerServesOn() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let manager = try await ManagerFixture.start(
            extraArguments: [
                "--listen", "tcp:127.0.0.1:0", "--tls-cert", certificates.managerCertificatePath, "--tls-key", certificates.managerKeyPath,
            ],
            captureStandardError: true
        )
        let address = try manager.tcpAddress()

        // Our plain client waits for a challenge the manager sends only inside TLS: a silence,
        // which the timeout ends with a hint.
        let plain = try await durablectl(["ping", "--timeout", "2"], manager: manager, address: address)
        plain.expectError(69, containing: "does it serve TLS")
        // Another peer's bytes that are not TLS get an alert and a closed connection.
        guard case .tcp(_, let port) = address.kind else { throw FixtureError("not a TCP address: \(address)") }
        let stranger = try RawConnection(tcpPort: port)
        try stranger.sendRaw(Array("GET / HTTP/1.0\r\n\r\n".utf8))
        _ = try stranger.readUntilClosed()
        let logged = await manager.process.standardErrorLine(containing: "refused a TLS client")
        #expect(logged.map { logMetadata("reason", in: $0) != nil } == true, "\(manager.process.standardErrorText())")

        let ping = try await durablectl(["ping", "--tls-ca", certificates.caPath], manager: manager, address: address)
        #expect(ping.status == 0, "\(ping.summary)")
        await manager.stop()
    }

    @Test func aTLSClientAtAPlainPortIsToldTheManagerDoesNotSpeakTLS() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let manager = try await ManagerFixture.start(extraArguments: ["--listen", "tcp:127.0.0.1:0"])
        let address = try manager.tcpAddress()
        let ping = try await durablectl(["ping", "--tls-ca", certificates.caPath], manager: manager, address: address)
        ping.expectError(77, containing: "did not answer in TLS")
        let plain = try await durablectl(["ping"], manager: manager, address: address)
        #expect(plain.status == 0, "\(plain.summary)")
        await manager.stop()
    }

    @Test func withAClientCAOnlyClientsWithACertificateItSignedAreServed() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let manager = try await ManagerFixture.start(extraArguments: [
            "--listen", "tcp:127.0.0.1:0", "--tls-cert", certificates.managerCertificatePath, "--tls-key", certificates.managerKeyPath,
            "--tls-ca", certificates.caPath,
        ])
        let address = try manager.tcpAddress()

        let anonymous = await tlsFailure { try await connect(address, manager, tls: .init(trustRootsPath: certificates.caPath)) }
        #expect(anonymous?.message.contains("requires a client certificate") == true, "\(String(describing: anonymous))")
        let stranger = await tlsFailure {
            try await connect(address, manager, tls: .init(
                trustRootsPath: certificates.caPath,
                certificateChainPath: certificates.otherClientCertificatePath, privateKeyPath: certificates.otherClientKeyPath
            ))
        }
        #expect(stranger?.message.contains("refused this client's certificate") == true, "\(String(describing: stranger))")

        let client = try await connect(address, manager, tls: .init(
            trustRootsPath: certificates.caPath, certificateChainPath: certificates.clientCertificatePath, privateKeyPath: certificates.clientKeyPath
        ))
        let counts: DictProxy<String, Int> = try await client.dict("counts")
        try await counts.set("seen", 1)
        #expect(try await counts.get("seen") == 1)
        await client.shutdown()

        let withoutCertificate = try await durablectl(["ping", "--tls-ca", certificates.caPath], manager: manager, address: address)
        withoutCertificate.expectError(77, containing: "requires a client certificate")
        let withCertificate = try await durablectl(
            ["ping", "--tls-ca", certificates.caPath, "--tls-cert", certificates.clientCertificatePath, "--tls-key", certificates.clientKeyPath],
            manager: manager, address: address
        )
        #expect(withCertificate.status == 0, "\(withCertificate.summary)")
        await manager.stop()
    }

    @Test func aReconnectAfterTheManagerRestartsSpeaksTLSAgain() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        // A fixed port, so that the restarted manager is where the client reconnects.
        let port = try freeTCPPort()
        let manager = try await ManagerFixture.start(extraArguments: [
            "--listen", "tcp:127.0.0.1:\(port)", "--tls-cert", certificates.managerCertificatePath, "--tls-key", certificates.managerKeyPath,
        ])
        let client = try await connect(try manager.tcpAddress(), manager, tls: .init(trustRootsPath: certificates.caPath))
        let status: DictProxy<String, String> = try await client.dict("status")
        try await status.set("job-1", "done")
        await manager.kill()
        try await manager.restart()
        #expect(try await status.get("job-1") == "done")
        await client.shutdown()
        await manager.stop()
    }

    @Test func plainTCPThatOtherHostsCanReachIsWarnedAboutAtStart() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let warning = "serving plain TCP on"
        let plain = try await ManagerFixture.start(
            extraArguments: ["--listen", "tcp:0.0.0.0:0", "--listen", "tcp:127.0.0.1:0"], captureStandardError: true
        )
        let line = await plain.process.standardErrorLine(containing: warning)
        #expect(line?.contains("tcp:0.0.0.0:") == true, "\(plain.process.standardErrorText())")
        #expect(line?.contains("anyone on the network path reads every value") == true, "\(plain.process.standardErrorText())")
        // Loopback is not warned about.
        #expect(plain.process.standardErrorLines().filter { $0.contains(warning) }.count == 1, "\(plain.process.standardErrorText())")
        await plain.stop()

        let protected = try await ManagerFixture.start(
            extraArguments: [
                "--listen", "tcp:0.0.0.0:0", "--tls-cert", certificates.managerCertificatePath, "--tls-key", certificates.managerKeyPath,
            ],
            captureStandardError: true
        )
        // The manager printed its address only after its start-up warnings.
        #expect(!protected.process.standardErrorText().contains(warning), "\(protected.process.standardErrorText())")
        await protected.stop()
    }

    @Test func tlsOptionsThatCannotWorkAreUsageErrors() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let home = certificates.folder + "/home"
        let tcp = ["serve", "--listen", "tcp:127.0.0.1:0"]
        let cases: [(arguments: [String], says: String)] = [
            (tcp + ["--tls-cert", certificates.managerCertificatePath], "--tls-cert needs --tls-key"),
            (tcp + ["--tls-key", certificates.managerKeyPath], "--tls-key needs --tls-cert"),
            (tcp + ["--tls-ca", certificates.caPath], "--tls-ca needs --tls-cert and --tls-key"),
            (
                tcp + ["--tls-cert", certificates.folder + "/missing.pem", "--tls-key", certificates.managerKeyPath],
                "\(certificates.folder)/missing.pem: No such file"
            ),
            (tcp + ["--tls-cert", certificates.managerKeyPath, "--tls-key", certificates.managerKeyPath], "PEM certificate"),
            (
                tcp + ["--tls-cert", certificates.managerCertificatePath, "--tls-key", certificates.clientKeyPath],
                "does not belong to the certificate"
            ),
            (["serve", "--tls-cert", certificates.managerCertificatePath, "--tls-key", certificates.managerKeyPath], "protects TCP listeners"),
        ]
        for (arguments, says) in cases {
            let run = try await DurablectlRun.run(arguments, home: home, timeout: .seconds(30))
            #expect(run.status == 64, "\(run.summary)")
            #expect(run.standardError.contains(says), "stderr does not say '\(says)': \(run.summary)")
        }

        chmod(certificates.managerKeyPath, 0o644)
        let exposed = try await DurablectlRun.run(
            tcp + ["--tls-cert", certificates.managerCertificatePath, "--tls-key", certificates.managerKeyPath], home: home, timeout: .seconds(30)
        )
        #expect(exposed.status == 64 && exposed.standardError.contains("chmod 600 \(certificates.managerKeyPath)"), "\(exposed.summary)")

        let ping = ["ping", "--connect", "tcp:127.0.0.1:9", "--authkey-file", home + "/authkey"]
        let halfAPair = try await DurablectlRun.run(
            ping + ["--tls-ca", certificates.caPath, "--tls-cert", certificates.clientCertificatePath], home: home
        )
        #expect(halfAPair.status == 64 && halfAPair.standardError.contains("--tls-cert and --tls-key go together"), "\(halfAPair.summary)")
        let unix = try await DurablectlRun.run(["ping", "--tls-ca", certificates.caPath], home: home)
        #expect(unix.status == 64 && unix.standardError.contains("--tls-ca is for a TCP address"), "\(unix.summary)")
    }

    /// An in-process client of `manager` at `address`, over `tls`.
    private func connect(_ address: ManagerAddress, _ manager: ManagerFixture, tls: ManagerConnection.TLS) async throws -> SyncManager {
        try await SyncManager.connect(to: address, authkey: try manager.authkey(), tls: tls)
    }

    /// `durablectl ARGUMENTS` against `address` with the manager's authkey.
    private func durablectl(_ arguments: [String], manager: ManagerFixture, address: ManagerAddress) async throws -> DurablectlRun {
        try await DurablectlRun.run(
            arguments + ["--connect", "\(address)", "--authkey-file", manager.authkeyPath], home: manager.folder, timeout: .seconds(30)
        )
    }

    /// The `TLSFailure` that `connect` must end with; nil (and a recorded issue) for anything else.
    private func tlsFailure(
        sourceLocation: SourceLocation = #_sourceLocation, _ connect: () async throws -> SyncManager
    ) async -> ManagerError? {
        do {
            let client = try await connect()
            await client.shutdown()
            Issue.record("the connection succeeded", sourceLocation: sourceLocation)
        } catch let error as ManagerError where error.code == .tlsFailure {
            return error
        } catch {
            Issue.record("expected TLSFailure, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now.
    private func freeTCPPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw FixtureError("cannot find a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
