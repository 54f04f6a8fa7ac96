import Crypto

/// The shared secret that both ends of a connection prove they hold.
///
/// Neither side ever sends the key: each sends a random nonce and the other answers with
/// HMAC-SHA256 of it under the key, compared in constant time. So a client proves the key to
/// the manager and the manager proves it back, as Python's `multiprocessing` handshake does.
///
/// ```swift
/// let key = Authkey(bytes: Array("secret".utf8))
/// ```
public struct Authkey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package let bytes: [UInt8]

    /// Wraps raw key bytes. Any length works; 32 random bytes is what `serve` generates.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    // A key must never reach a log, however the value holding it is printed.
    public var description: String { "Authkey(\(bytes.count) bytes, redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }

    /// Makes a new key of 32 random bytes.
    public static func random() -> Authkey {
        Authkey(bytes: randomNonce())
    }

    /// 32 bytes from the system's secure random source.
    package static func randomNonce() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// The HMAC-SHA256 of `nonce` under this key.
    package func mac(for nonce: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: nonce, using: SymmetricKey(data: bytes)))
    }

    /// Whether `mac` is this key's HMAC of `nonce`, compared in constant time.
    package func isValid(mac: [UInt8], for nonce: [UInt8]) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: nonce, using: SymmetricKey(data: bytes))
    }
}
