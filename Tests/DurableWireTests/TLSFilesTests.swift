import DurableWire
import Foundation
import Testing

/// A TLS file that cannot be used is refused with a message that names it and says why.
struct TLSFilesTests {
    @Test func aMissingFileIsNamed() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/missing.pem"
        let text = message { _ = try TLSFiles.certificates(at: path, role: "the CA file") }
        #expect(text == "cannot read the CA file \(path): No such file or directory")
    }

    @Test func aFileWithoutCertificatesIsRefused() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/notes.txt"
        try "not a certificate\n".write(toFile: path, atomically: true, encoding: .utf8)
        let text = message { _ = try TLSFiles.certificates(at: path, role: "the CA file") }
        #expect(text?.hasPrefix("the CA file \(path)") == true && text?.contains("PEM certificate") == true, "\(text ?? "no error")")
    }

    @Test func aSecretOthersCanReadIsRefusedBeforeItIsRead() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The check TLS private keys and the authkey share.
        let key = folder + "/manager.key"
        try "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n".write(toFile: key, atomically: true, encoding: .utf8)
        chmod(key, 0o644)
        #expect(throws: SmallFile.Failure.self) { _ = try SmallFile.contents(of: key, secret: true) }
        #expect(throws: Never.self) { _ = try SmallFile.contents(of: key, secret: false) }
    }

    private func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as ManagerError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    private func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dm-tls-files-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }
}
