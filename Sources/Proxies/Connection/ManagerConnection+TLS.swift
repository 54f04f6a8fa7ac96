import DurableWire
import NIOSSL

extension ManagerConnection {
    /// TLS to a manager's TCP address: the CA that signed the manager's certificate, and this
    /// client's own certificate for a manager that requires one.
    ///
    /// The manager's certificate must be signed by a CA in ``trustRootsPath`` (nothing else is
    /// trusted, not even the system's CAs) and must name the host connected to: a DNS name, or
    /// for an address such as `tcp:192.0.2.10:50000` that IP address, in its subjectAltName.
    ///
    /// ```swift
    /// let manager = try await SyncManager.connect(
    ///     to: .hostname("jobs.example.com", port: 50000),
    ///     authkey: key,
    ///     tls: .init(trustRootsPath: "/etc/jobs/ca.pem")
    /// )
    /// // A manager started with --tls-ca also wants this client's certificate:
    /// let mutual = ManagerConnection.TLS(
    ///     trustRootsPath: "/etc/jobs/ca.pem",
    ///     certificateChainPath: "/etc/jobs/worker.pem",
    ///     privateKeyPath: "/etc/jobs/worker.key"
    /// )
    /// ```
    public struct TLS: Sendable, Hashable {
        /// A PEM file of the CA certificates trusted to sign the manager's certificate.
        public var trustRootsPath: String
        /// A PEM file with this client's certificate (then any intermediates), for a manager
        /// that requires client certificates; set together with ``privateKeyPath``.
        public var certificateChainPath: String?
        /// The PEM private key of ``certificateChainPath``, unencrypted; refused when users
        /// other than its owner and group may read it (mode 0640 at most).
        public var privateKeyPath: String?
        /// The DNS name the manager's certificate must hold, when it is not the address's host
        /// (connecting to an IP address a certificate does not list, or through a tunnel). As
        /// with a host name, a certificate that lists the IP address connected to is accepted
        /// too (NIOSSL's rule).
        public var serverName: String?

        /// TLS that trusts the CA certificates in `trustRootsPath`, optionally presenting a
        /// certificate of this client's own.
        public init(trustRootsPath: String, certificateChainPath: String? = nil, privateKeyPath: String? = nil, serverName: String? = nil) {
            self.trustRootsPath = trustRootsPath
            self.certificateChainPath = certificateChainPath
            self.privateKeyPath = privateKeyPath
            self.serverName = serverName
        }

        /// Reads the files, once: every reconnect reuses what this made.
        /// - Throws: ``ManagerError`` `.valueError` naming the file or setting that is wrong, or
        ///   when `address` is a Unix socket (which a manager never serves TLS on).
        func prepare(for address: ManagerAddress) throws(ManagerError) -> ClientTLS {
            guard case .tcp(let host, _) = address.kind else {
                throw ManagerError(.valueError, "TLS is for TCP addresses; \(address) is a Unix socket, which a manager serves without TLS")
            }
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            configuration.certificateVerification = .fullVerification
            configuration.trustRoots = .certificates(try TLSFiles.certificates(at: trustRootsPath, role: "the CA file"))
            switch (certificateChainPath, privateKeyPath) {
            case (nil, nil):
                break
            case (let chainPath?, let keyPath?):
                let (chain, key) = try TLSFiles.identity(certificateChainPath: chainPath, privateKeyPath: keyPath)
                configuration.certificateChain = chain.map { .certificate($0) }
                configuration.privateKey = .privateKey(key)
            default:
                throw ManagerError(.valueError, "a client certificate needs both its certificate chain and its private key (--tls-cert and --tls-key)")
            }
            if let serverName, ClientTLS.isIPAddress(serverName) {
                throw ManagerError(
                    .valueError,
                    "the TLS server name must be a DNS name, not \(serverName): to check a certificate's IP address, connect to that address"
                )
            }
            let context = try TLSFiles.context(configuration, certificateChainPath: certificateChainPath, privateKeyPath: privateKeyPath)
            return ClientTLS(
                context: context,
                expectedName: serverName ?? host,
                presentsCertificate: certificateChainPath != nil,
                trustRootsPath: trustRootsPath
            )
        }
    }
}
