import DurableWire
import Testing

struct ManagerAddressTests {
    @Test func parsesUnixSockets() throws {
        let address = try ManagerAddress(parsing: "unix:/run/jobs/manager.sock")
        #expect(address == .unixDomainSocket(path: "/run/jobs/manager.sock"))
        #expect(address.description == "unix:/run/jobs/manager.sock")
    }

    @Test func parsesTCPAddresses() throws {
        let address = try ManagerAddress(parsing: "tcp:127.0.0.1:50000")
        #expect(address == .hostname("127.0.0.1", port: 50000))
        #expect(address.kind == .tcp(host: "127.0.0.1", port: 50000))
        #expect(address.description == "tcp:127.0.0.1:50000")
        #expect(try ManagerAddress(parsing: "tcp:localhost:0") == .hostname("localhost", port: 0))
    }

    @Test func parsesBracketedIPv6() throws {
        let address = try ManagerAddress(parsing: "tcp:[::1]:8080")
        #expect(address == .hostname("::1", port: 8080))
        #expect(address.description == "tcp:[::1]:8080")
        #expect(try ManagerAddress(parsing: address.description) == address)
    }

    @Test(arguments: [
        "unix:",
        "tcp:127.0.0.1",
        "tcp:127.0.0.1:",
        "tcp:127.0.0.1:port",
        "tcp:127.0.0.1:65536",
        "tcp:127.0.0.1:-1",
        "tcp::50000",
        "tcp:[]:50000",
        "http://127.0.0.1:50000",
        "",
    ])
    func rejectsMalformedAddresses(text: String) {
        do {
            let address = try ManagerAddress(parsing: text)
            Issue.record("'\(text)' parsed as \(address)")
        } catch {
            #expect(error.code == .valueError)
            #expect(error.message.contains("'\(text)'"))
            #expect(error.message.contains("tcp:HOST:PORT"), "the message should show the accepted forms")
        }
    }
}
