import DurableWire
import Testing

/// `--connect A,B`: the one parser of address lists.
struct ManagerAddressListTests {
    @Test func splitsAtCommasThatStartAnAddress() throws {
        let addresses = try ManagerAddress.list(parsing: "tcp:10.0.0.1:50000,unix:/run/b.sock,tcp:[::1]:7")
        #expect(addresses == [.hostname("10.0.0.1", port: 50000), .unixDomainSocket(path: "/run/b.sock"), .hostname("::1", port: 7)])
        #expect(try ManagerAddress.list(parsing: "unix:/run/a.sock") == [.unixDomainSocket(path: "/run/a.sock")])
    }

    @Test func keepsACommaInsideAUnixSocketPath() throws {
        #expect(try ManagerAddress.list(parsing: "unix:/tmp/a,b.sock") == [.unixDomainSocket(path: "/tmp/a,b.sock")])
        #expect(try ManagerAddress.list(parsing: "unix:/tmp/a,b.sock,tcp:h:1") == [.unixDomainSocket(path: "/tmp/a,b.sock"), .hostname("h", port: 1)])
    }

    @Test(arguments: ["", "tcp:h:1,", "tcp:h:1,nonsense", "tcp:h:1,tcp:h"])
    func refusesAListWithAMalformedAddress(text: String) {
        #expect { try ManagerAddress.list(parsing: text) } throws: { ($0 as? ManagerError)?.code == .valueError }
    }
}
