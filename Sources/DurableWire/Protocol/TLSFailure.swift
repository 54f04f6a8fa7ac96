import NIOSSL

/// What an error from a TLS handshake says, in BoringSSL's reason names
/// (`CERTIFICATE_VERIFY_FAILED`, `TLSV1_ALERT_UNKNOWN_CA`...): short enough for a log line or
/// an error message, where the error itself prints a whole stack with source paths.
package struct TLSFailure: Sendable {
    /// BoringSSL's reasons, outermost first; a hostname mismatch is `HOSTNAME_MISMATCH`.
    package let reasons: [String]
    /// The peer closed the connection during the handshake: no verdict on anyone's
    /// certificate (a port scanner, a health check, a client that gave up).
    package let isEndOfStream: Bool

    /// Reads `error`; nil when it does not come from TLS.
    package init?(_ error: any Error) {
        switch error {
        case NIOSSLError.handshakeFailed(let boring), NIOSSLError.shutdownFailed(let boring):
            self.init(boring)
        case let boring as BoringSSLError:
            self.init(boring)
        case NIOSSLError.uncleanShutdown:
            self.init(reasons: ["connection closed without a TLS close_notify"], isEndOfStream: true)
        case let nioSSL as NIOSSLError:
            self.init(reasons: ["\(nioSSL)"], isEndOfStream: false)
        case let extra as NIOSSLExtraError where extra == .failedToValidateHostname:
            self.init(reasons: ["HOSTNAME_MISMATCH"], isEndOfStream: false)
        case let extra as NIOSSLExtraError:
            self.init(reasons: ["\(extra)"], isEndOfStream: false)
        default:
            return nil
        }
    }

    private init(reasons: [String], isEndOfStream: Bool) {
        self.reasons = reasons
        self.isEndOfStream = isEndOfStream
    }

    private init(_ error: BoringSSLError) {
        let stack: [BoringSSLInternalError]
        switch error {
        case .sslError(let errors), .unknownError(let errors), .invalidSNIName(let errors), .failedToSetALPN(let errors):
            stack = errors
        default:
            self.init(reasons: ["\(error)"], isEndOfStream: error == .zeroReturn || error == .syscallError)
            return
        }
        let endOfStream: [BoringSSLInternalError] = [.eofDuringHandshake, .eofDuringAdditionalCertficiateChainValidation]
        self.init(
            reasons: stack.map(Self.reason),
            isEndOfStream: !stack.isEmpty && stack.allSatisfy { endOfStream.contains($0) }
        )
    }

    /// `CERTIFICATE_VERIFY_FAILED` from `Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /path/file.cc:123`.
    private static func reason(_ error: BoringSSLInternalError) -> String {
        let text = error.description
        guard let marker = text.firstRange(of: "OPENSSL_internal:") else {
            return text.hasPrefix("Error:  ") ? String(text.dropFirst(8)) : text
        }
        return String(text[marker.upperBound...].prefix { $0 != " " })
    }

    /// Whether any reason is one of `names`.
    package func says(_ names: String...) -> Bool {
        reasons.contains { names.contains($0) }
    }

    /// The reasons on one line.
    package var summary: String { reasons.joined(separator: ", ") }
}
