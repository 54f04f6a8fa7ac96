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

    /// Wraps raw key bytes; 32 random bytes is what `serve` generates. A manager refuses to
    /// serve with a key shorter than ``minimumLength``; a client may hold any key.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The shortest key a manager serves with, or a key file may hold: a shorter one can be
    /// guessed (a 1-byte key fell to 108 tries).
    public static let minimumLength = 16

    /// Refuses a key too short to serve with.
    /// - Parameter source: Where the key came from, for the message.
    public func checkLength(from source: String) throws(ManagerError) {
        guard bytes.count < Self.minimumLength else { return }
        throw ManagerError(
            .valueError,
            "the authkey \(source) has \(bytes.count) bytes; a key needs at least \(Self.minimumLength): delete it and let `durablectl serve` make one of 32 random bytes, or write a longer one"
        )
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
