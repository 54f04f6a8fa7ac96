package import NIOSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loads the PEM files of a TLS setting, for the manager and for clients alike: every failure
/// names the file and says what is wrong with it, where BoringSSL would only say "failed to
/// load".
package enum TLSFiles {
    /// The certificates in the PEM file at `path`, in file order.
    /// - Parameter role: What the file is, for messages: "the TLS certificate chain".
    /// - Throws: ``ManagerError`` `.valueError` when it cannot be read or holds no PEM certificate.
    package static func certificates(at path: String, role: String) throws(ManagerError) -> [NIOSSLCertificate] {
        let bytes = try read(path, role: role, secret: false)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw ManagerError(.valueError, "\(role) \(path) is not a PEM certificate file (-----BEGIN CERTIFICATE-----): \(error)")
        }
        guard !certificates.isEmpty else {
            throw ManagerError(.valueError, "\(role) \(path) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        return certificates
    }

    /// A certificate chain (the leaf first) and its private key, checked for dates here and for
    /// belonging together when a context is made (``context(_:certificateChainPath:privateKeyPath:)``).
    /// - Throws: ``ManagerError`` `.valueError` naming the file: unreadable, not PEM, a key that
    ///   others may read (mode 0640 at most, as for the authkey), a certificate expired or not
    ///   yet valid.
    package static func identity(
        certificateChainPath: String, privateKeyPath: String
    ) throws(ManagerError) -> (chain: [NIOSSLCertificate], key: NIOSSLPrivateKey) {
        let chain = try certificates(at: certificateChainPath, role: "the TLS certificate chain")
        let now = time(nil)
        if chain[0].notValidAfter < now {
            throw ManagerError(.valueError, "the TLS certificate \(certificateChainPath) expired on \(day(chain[0].notValidAfter)); make a new one")
        }
        if chain[0].notValidBefore > now {
            throw ManagerError(.valueError, "the TLS certificate \(certificateChainPath) is valid only from \(day(chain[0].notValidBefore)); is this machine's clock right?")
        }
        let bytes = try read(privateKeyPath, role: "the TLS private key", secret: true)
        do {
            return (chain, try NIOSSLPrivateKey(bytes: bytes, format: .pem))
        } catch {
            throw ManagerError(
                .valueError,
                "the TLS private key \(privateKeyPath) is not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----): \(error)"
            )
        }
    }

    /// The context for `configuration`, whose identity (if any) came from the two paths.
    /// - Throws: ``ManagerError`` `.valueError`: the key does not belong to the certificate, or
    ///   BoringSSL refused the configuration.
    package static func context(
        _ configuration: TLSConfiguration, certificateChainPath: String?, privateKeyPath: String?
    ) throws(ManagerError) -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch NIOSSLError.failedToLoadPrivateKey {
            // Both files parsed already: what is left to fail is the pairing.
            throw ManagerError(
                .valueError,
                "the TLS private key \(privateKeyPath ?? "") does not belong to the certificate \(certificateChainPath ?? ""); pass the key the certificate was made for"
            )
        } catch {
            throw ManagerError(.valueError, "cannot set up TLS with \(certificateChainPath ?? "no certificate"): \(error)")
        }
    }

    private static func read(_ path: String, role: String, secret: Bool) throws(ManagerError) -> [UInt8] {
        do {
            return try SmallFile.contents(of: path, secret: secret)
        } catch {
            switch error {
            case .unreadable(let reason):
                throw ManagerError(.valueError, "cannot read \(role) \(path): \(reason)")
            case .exposed(let mode):
                throw ManagerError(
                    .valueError,
                    "\(role) \(path) has mode \(mode): other users can read or change it; run `chmod 600 \(path)` (or 640 to share it with a group)"
                )
            case .tooLarge:
                throw ManagerError(.valueError, "\(role) \(path) is over 1 MiB: is it the right file?")
            }
        }
    }

    /// A date as `2026-01-31`, UTC.
    private static func day(_ time: time_t) -> String {
        var time = time
        var parts = tm()
        gmtime_r(&time, &parts)
        return "\(parts.tm_year + 1900)-\(twoDigits(parts.tm_mon + 1))-\(twoDigits(parts.tm_mday))"
    }

    private static func twoDigits(_ number: Int32) -> String {
        number < 10 ? "0\(number)" : "\(number)"
    }
}
