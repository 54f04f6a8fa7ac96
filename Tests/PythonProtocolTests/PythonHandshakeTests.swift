import PythonProtocol
import Testing

/// The handshake against values CPython 3.11's `hmac` computed for the same key and messages.
struct PythonHandshakeTests {
    let handshake = PythonHandshake(authkey: Array("0123456789abcdef".utf8))
    let modern = Array("{sha256}".utf8) + (0..<40).map(UInt8.init)
    let legacy = (0..<20).map(UInt8.init)

    @Test func aLegacyClientsRawMD5AndAModernClientsSHA256AreBothAccepted() throws {
        // 3.8-3.11: HMAC-MD5 of the whole message, prefix included, 16 raw bytes.
        try handshake.verify(response: [186, 30, 108, 9, 30, 157, 254, 218, 112, 249, 189, 98, 162, 92, 218, 179], to: modern)
        // 3.12+: {sha256} and the HMAC-SHA256 of the whole message.
        let sha: [UInt8] = [221, 178, 13, 170, 90, 227, 30, 161, 213, 208, 104, 242, 156, 136, 99, 198, 143, 42, 233, 40, 231, 41, 148, 218, 156, 32, 254, 151, 9, 149, 234, 6]
        try handshake.verify(response: Array("{sha256}".utf8) + sha, to: modern)
    }

    @Test func aWrongAnswerIsRefused() {
        #expect(throws: PythonProtocolError.self) { try handshake.verify(response: [UInt8](repeating: 0, count: 16), to: modern) }
        #expect(throws: PythonProtocolError.self) { try handshake.verify(response: Array("{sha1}".utf8) + [1, 2, 3], to: modern) }
        #expect(throws: PythonProtocolError.self) { try handshake.verify(response: [], to: modern) }
    }

    @Test func theClientsChallengeIsAnsweredInItsOwnForm() throws {
        #expect(try handshake.response(to: PythonHandshake.challengePrefix + legacy) == [32, 255, 34, 21, 74, 151, 160, 242, 180, 125, 136, 47, 104, 240, 212, 101])
        let answer = try handshake.response(to: PythonHandshake.challengePrefix + modern)
        #expect(answer.starts(with: Array("{sha256}".utf8)) && answer.count == 8 + 32)
        #expect(throws: PythonProtocolError.self) { try handshake.response(to: Array("#WELCOME#".utf8)) }
    }

    @Test func ourChallengeNamesSHA256() {
        let (frame, message) = PythonHandshake.makeChallenge()
        #expect(frame == PythonHandshake.challengePrefix + message)
        #expect(message.starts(with: Array("{sha256}".utf8)) && message.count == 48)
    }
}
