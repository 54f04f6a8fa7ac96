import DurableWire
import NIOSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connection's TLS, ready for every connect and reconnect: the context made once from
/// ``ManagerConnection/TLS``'s files, and what the manager's certificate must name.
struct ClientTLS: Sendable {
    let context: NIOSSLContext
    /// The host connected to, or the configured server name: a DNS name the certificate must
    /// hold, or an IP address it must list.
    let expectedName: String
    let presentsCertificate: Bool
    let trustRootsPath: String

    /// A new handler for one connection. For an IP address no name is sent (SNI carries DNS
    /// names only) and NIOSSL checks the certificate against the address connected to.
    func makeHandler() throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: Self.isIPAddress(expectedName) ? nil : expectedName)
    }

    /// A failed handshake as the caller should read it: which side refused what, and what to
    /// change. BoringSSL's reason names stay in the message for a search.
    func error(for failure: TLSFailure, at address: ManagerAddress) -> ManagerError {
        let advice: String
        if failure.says("HOSTNAME_MISMATCH") {
            advice = "the manager's certificate does not name \(expectedName): its subjectAltName must hold that DNS name or IP address (or set the TLS server name to a name it holds)"
        } else if failure.says("CERTIFICATE_VERIFY_FAILED") {
            advice = "the manager's certificate is not signed by a CA in \(trustRootsPath), or it has expired; pass the CA that signed it (--tls-ca)"
        } else if failure.says("TLSV1_ALERT_CERTIFICATE_REQUIRED") || (!presentsCertificate && failure.says("SSLV3_ALERT_HANDSHAKE_FAILURE")) {
            advice = "the manager requires a client certificate signed by a CA it trusts; pass one (--tls-cert and --tls-key)"
        } else if failure.says(
            "TLSV1_ALERT_UNKNOWN_CA", "SSLV3_ALERT_BAD_CERTIFICATE", "SSLV3_ALERT_CERTIFICATE_UNKNOWN", "TLSV1_ALERT_DECRYPT_ERROR",
            "SSLV3_ALERT_CERTIFICATE_EXPIRED", "SSLV3_ALERT_CERTIFICATE_REVOKED", "SSLV3_ALERT_HANDSHAKE_FAILURE"
        ) {
            advice = "the manager refused this client's certificate: it is not signed by a CA the manager trusts (the manager's --tls-ca), or it has expired"
        } else if failure.says("WRONG_VERSION_NUMBER", "PACKET_LENGTH_TOO_LONG", "UNEXPECTED_RECORD", "HTTP_REQUEST") {
            advice = "the manager did not answer in TLS: it serves this address without TLS (connect without --tls-ca), or something else listens there"
        } else {
            advice = "check the certificates on both sides"
        }
        return ManagerError(.tlsFailure, "TLS with the manager at \(address) failed (\(failure.summary)): \(advice)")
    }

    /// Whether `host` is an IPv4 or IPv6 address rather than a name.
    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
