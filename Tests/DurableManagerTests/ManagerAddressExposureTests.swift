@testable import DurableManager
import DurableWire
import Testing

/// Which listen addresses get the plain-TCP warning at start.
struct ManagerAddressExposureTests {
    @Test(arguments: ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1", "localhost", "LocalHost"])
    func loopbackIsNotReachableFromOtherHosts(host: String) {
        #expect(!ManagerAddress.hostname(host, port: 50000).isReachableFromOtherHosts)
    }

    @Test(arguments: ["0.0.0.0", "::", "10.1.2.3", "192.0.2.10", "2001:db8::1", "::ffff:10.0.0.1", "jobs.example.com"])
    func everyOtherHostIs(host: String) {
        #expect(ManagerAddress.hostname(host, port: 50000).isReachableFromOtherHosts)
    }

    @Test func aUnixSocketIsNot() {
        #expect(!ManagerAddress.unixDomainSocket(path: "/tmp/manager.sock").isReachableFromOtherHosts)
    }
}
