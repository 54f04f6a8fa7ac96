import Foundation

/// Certificates for the TLS tests, made with the system's `openssl` (3.0 or later; `.ci/run`
/// installs it) in a new temporary folder, valid for two days: a CA with a manager certificate
/// for 127.0.0.1 and `localhost`, one for another host only, and a client certificate; and a
/// second, unrelated CA with a client certificate of its own. Private keys are EC P-256 (quick to make) with mode 0600.
struct TestCertificates {
    let folder: String

    /// The CA that signed the manager's and the client's certificates.
    var caPath: String { folder + "/ca.pem" }
    var managerCertificatePath: String { folder + "/manager.pem" }
    var managerKeyPath: String { folder + "/manager.key" }
    /// Signed by the CA for `elsewhere.example` only: not for 127.0.0.1.
    var elsewhereCertificatePath: String { folder + "/elsewhere.pem" }
    var elsewhereKeyPath: String { folder + "/elsewhere.key" }
    var clientCertificatePath: String { folder + "/client.pem" }
    var clientKeyPath: String { folder + "/client.key" }
    /// A CA that signed nothing of the manager's.
    var otherCAPath: String { folder + "/other-ca.pem" }
    var otherClientCertificatePath: String { folder + "/other-client.pem" }
    var otherClientKeyPath: String { folder + "/other-client.key" }

    static func make() throws -> TestCertificates {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dm-tls-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let certificates = TestCertificates(folder: folder)
        try certificates.makeCA("ca", name: "DurableManager test CA")
        try certificates.makeCertificate("manager", signedBy: "ca", name: "manager", subjectAltName: "IP:127.0.0.1,DNS:localhost")
        try certificates.makeCertificate("elsewhere", signedBy: "ca", name: "elsewhere", subjectAltName: "DNS:elsewhere.example")
        try certificates.makeCertificate("client", signedBy: "ca", name: "client")
        try certificates.makeCA("other-ca", name: "An unrelated CA")
        try certificates.makeCertificate("other-client", signedBy: "other-ca", name: "client")
        return certificates
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func makeCA(_ file: String, name: String) throws {
        try openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc",
            "-keyout", "\(file).key", "-out", "\(file).pem", "-days", "2", "-subj", "/CN=\(name)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"
        )
    }

    /// A key and a certificate signing request, then the CA's signature on it, keeping the
    /// request's subjectAltName.
    private func makeCertificate(_ file: String, signedBy ca: String, name: String, subjectAltName: String? = nil) throws {
        try openssl(
            ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc",
             "-keyout", "\(file).key", "-out", "\(file).csr", "-subj", "/CN=\(name)"]
                + (subjectAltName.map { ["-addext", "subjectAltName=\($0)"] } ?? [])
        )
        try openssl(
            "x509", "-req", "-in", "\(file).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key",
            "-out", "\(file).pem", "-days", "2", "-copy_extensions", "copy"
        )
        // openssl makes keys with mode 0600 already; the manager and clients refuse looser ones.
        chmod(folder + "/\(file).key", 0o600)
    }

    private func openssl(_ arguments: String...) throws {
        try openssl(arguments)
    }

    private func openssl(_ arguments: [String]) throws {
        guard let executable = Self.opensslPath else {
            throw FixtureError("the TLS tests make their certificates with `openssl`, which is not on the PATH; install it (apt-get install openssl)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let errorPath = folder + "/openssl.err"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw FixtureError("openssl \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(message)")
        }
    }

    private static let opensslPath: String? = {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return folders.map { "\($0)/openssl" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
}
