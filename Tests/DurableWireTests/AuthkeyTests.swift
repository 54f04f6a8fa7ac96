import DurableWire
import Testing

struct AuthkeyTests {
    @Test func macVerifiesUnderTheSameKey() {
        let key = Authkey(bytes: Array("secret".utf8))
        let nonce = Authkey.randomNonce()
        let mac = key.mac(for: nonce)
        #expect(mac.count == 32)
        #expect(key.isValid(mac: mac, for: nonce))
        #expect(Authkey(bytes: Array("secret".utf8)).isValid(mac: mac, for: nonce))
    }

    @Test func macFailsUnderAnotherKey() {
        let nonce = Authkey.randomNonce()
        let mac = Authkey(bytes: Array("secret".utf8)).mac(for: nonce)
        #expect(!Authkey(bytes: Array("Secret".utf8)).isValid(mac: mac, for: nonce))
        #expect(!Authkey.random().isValid(mac: mac, for: nonce))
    }

    @Test func macFailsForAnotherNonceOrATamperedMac() {
        let key = Authkey.random()
        let nonce = Authkey.randomNonce()
        var mac = key.mac(for: nonce)
        #expect(!key.isValid(mac: mac, for: Authkey.randomNonce()))
        mac[0] ^= 1
        #expect(!key.isValid(mac: mac, for: nonce))
        #expect(!key.isValid(mac: [], for: nonce))
    }

    @Test func randomKeysAndNoncesDiffer() {
        #expect(Authkey.random() != Authkey.random())
        #expect(Authkey.randomNonce().count == 32)
        #expect(Authkey.randomNonce() != Authkey.randomNonce())
    }
}
