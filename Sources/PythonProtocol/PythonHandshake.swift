import Crypto

/// `multiprocessing.connection`'s authkey challenge and response, both directions, in both of
/// CPython's forms.
///
/// - CPython 3.8-3.11 challenges with `#CHALLENGE#` and 20 random bytes and answers a challenge
///   with the raw 16-byte HMAC-MD5 of everything after `#CHALLENGE#`.
/// - CPython 3.12+ challenges with `#CHALLENGE#{sha256}` and 40 random bytes and answers with
///   `{digest}` and the HMAC of the whole message, prefix included; it answers a 20-byte
///   challenge the old way.
///
/// The manager challenges in the new form: an old client computes the HMAC-MD5 of the whole
/// message and answers with 16 raw bytes, which ``verify(response:to:)`` accepts too, so the
/// manager needs no guess about the client's version. It answers the client's challenge in
/// the client's form (``response(to:)``).
package struct PythonHandshake: Sendable {
    package static let challengePrefix: [UInt8] = Array("#CHALLENGE#".utf8)
    package static let welcome: [UInt8] = Array("#WELCOME#".utf8)
    package static let failure: [UInt8] = Array("#FAILURE#".utf8)
    /// CPython reads every handshake message with `recv_bytes(256)`.
    package static let maxMessageSize = 256

    private let key: SymmetricKey

    /// - Parameter authkey: The manager's authkey file's bytes, as Python's `authkey=` takes them.
    package init(authkey: [UInt8]) {
        key = SymmetricKey(data: authkey)
    }

    /// A new challenge: `#CHALLENGE#{sha256}` and 40 random bytes. Returns the whole frame and
    /// the message the client's HMAC covers (everything after `#CHALLENGE#`).
    package static func makeChallenge() -> (frame: [UInt8], message: [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        let message = Array("{sha256}".utf8) + (0..<40).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return (challengePrefix + message, message)
    }

    /// Checks a client's answer to `message`: 16 raw bytes are the HMAC-MD5 of 3.8-3.11, and
    /// `{md5}`, `{sha256}` or `{sha384}` and the HMAC with that digest come from 3.12+.
    /// - Throws: ``PythonProtocolError`` (`authentication`) when the answer is wrong or unknown.
    package func verify(response: [UInt8], to message: [UInt8]) throws(PythonProtocolError) {
        let digest: String
        let mac: [UInt8]
        if response.count == 16 || response.count == 20 {
            digest = "md5"
            mac = response
        } else if let prefixed = Self.digestPrefix(of: response) {
            digest = prefixed.name
            mac = prefixed.payload
        } else {
            throw PythonProtocolError(.authentication, "the answer to the authkey challenge is neither a raw HMAC-MD5 nor a {digest}-prefixed HMAC")
        }
        guard let expected = self.mac(message, digest: digest) else {
            throw PythonProtocolError(.authentication, "the client answered with the unsupported digest '\(digest)' (this manager knows md5, sha256, sha384)")
        }
        guard Self.constantTimeEquals(expected, mac) else {
            throw PythonProtocolError(.authentication, "the authkey does not match the manager's; pass the bytes of its authkey file as authkey=")
        }
    }

    /// The answer to a client's challenge (the frame after `#CHALLENGE#`): raw HMAC-MD5 for a
    /// 20-byte (3.8-3.11) challenge, else `{digest}` and the HMAC of the whole message.
    /// - Throws: ``PythonProtocolError`` (`authentication`) for a malformed challenge.
    package func response(to challenge: [UInt8]) throws(PythonProtocolError) -> [UInt8] {
        guard challenge.starts(with: Self.challengePrefix) else {
            throw PythonProtocolError(.authentication, "expected the client's #CHALLENGE# after the manager's welcome")
        }
        let message = Array(challenge.dropFirst(Self.challengePrefix.count))
        if message.count == 20 || message.count == 16 {
            return self.mac(message, digest: "md5")!
        }
        guard let digest = Self.digestPrefix(of: message)?.name, let mac = self.mac(message, digest: digest) else {
            throw PythonProtocolError(.authentication, "the client's challenge names no digest this manager supports (md5, sha256, sha384)")
        }
        return Array("{\(digest)}".utf8) + mac
    }

    private func mac(_ message: [UInt8], digest: String) -> [UInt8]? {
        switch digest {
        case "md5": Array(HMAC<Insecure.MD5>.authenticationCode(for: message, using: key))
        case "sha256": Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        case "sha384": Array(HMAC<SHA384>.authenticationCode(for: message, using: key))
        default: nil
        }
    }

    /// `{name}payload`, with a name of at most 20 characters, as CPython 3.12 parses it.
    private static func digestPrefix(of message: [UInt8]) -> (name: String, payload: [UInt8])? {
        guard message.first == UInt8(ascii: "{"),
              let close = message.prefix(22).firstIndex(of: UInt8(ascii: "}")), close > 1
        else { return nil }
        let name = String(decoding: message[1..<close], as: UTF8.self)
        return (name, Array(message[(close + 1)...]))
    }

    private static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
