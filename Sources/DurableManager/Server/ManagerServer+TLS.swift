package import DurableWire
package import NIOSSL

extension ManagerServer {
    /// TLS for the manager's TCP listeners: its certificate and key, and optionally the CA whose
    /// certificates clients must present.
    ///
    /// Without TLS, anyone on the network path between a client and the manager reads every
    /// value and call, and a relay can add calls of its own to a logged-in connection (the
    /// authkey handshake proves the key without sending it, but protects nothing after it).
    /// Unix sockets stay plain: their file's permissions decide who connects.
    ///
    /// ```swift
    /// var configuration = ManagerServer.Configuration(addresses: [.hostname("0.0.0.0", port: 50000)], authkey: key)
    /// configuration.tls = ManagerServer.TLS(
    ///     certificateChainPath: "/etc/jobs/manager.pem",
    ///     privateKeyPath: "/etc/jobs/manager.key",
    ///     clientCAPath: "/etc/jobs/clients-ca.pem"   // optional: require client certificates
    /// )
    /// ```
    public struct TLS: Sendable, Hashable {
        /// A PEM file: the manager's certificate, then any intermediate certificates. Clients
        /// check that it names the host they connect to (a DNS name or IP address in its
        /// subjectAltName).
        public var certificateChainPath: String
        /// A PEM file with the certificate's private key, unencrypted; refused when users other
        /// than its owner and group may read it (mode 0640 at most).
        public var privateKeyPath: String
        /// A PEM file of CA certificates. When set, every client must present a certificate
        /// signed by one of them, or the TLS handshake fails; when nil, clients present none
        /// and the authkey alone admits them.
        public var clientCAPath: String?

        /// TLS with the manager's certificate and key, and client certificates required when
        /// `clientCAPath` is given.
        public init(certificateChainPath: String, privateKeyPath: String, clientCAPath: String? = nil) {
            self.certificateChainPath = certificateChainPath
            self.privateKeyPath = privateKeyPath
            self.clientCAPath = clientCAPath
        }

        /// Reads and checks the files, once, for every TLS connection the manager accepts.
        /// - Throws: ``ManagerError`` `.valueError` naming the file that cannot be read, is not
        ///   PEM, is a private key others may read, is an expired certificate, or is a key that
        ///   does not belong to the certificate.
        package func makeContext() throws(ManagerError) -> NIOSSLContext {
            let (chain, key) = try TLSFiles.identity(certificateChainPath: certificateChainPath, privateKeyPath: privateKeyPath)
            var configuration: TLSConfiguration
            if let clientCAPath {
                let roots = try TLSFiles.certificates(at: clientCAPath, role: "the client CA file")
                configuration = .makeServerConfigurationWithMTLS(
                    certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key), trustRoots: .certificates(roots)
                )
            } else {
                configuration = .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            }
            configuration.minimumTLSVersion = .tlsv12
            return try TLSFiles.context(configuration, certificateChainPath: certificateChainPath, privateKeyPath: privateKeyPath)
        }
    }
}
