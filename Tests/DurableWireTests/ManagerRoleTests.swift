import DurableWire
import Testing

/// What a client given several addresses reads from a manager's `ping` to decide whether to
/// skip it.
struct ManagerRoleTests {
    @Test func aStandbySaysSoInItsPingReply() {
        let reply = Value.map([.string("epoch"): .int(3), .string("role"): .string("standby")])
        #expect(ManagerRole(pingReply: reply) == .standby)
    }

    @Test func anActiveManagerAndOneFromBeforeRolesServe() {
        #expect(ManagerRole(pingReply: .map([.string("role"): .string("active")])) == .active)
        // Older managers send no role: they serve.
        #expect(ManagerRole(pingReply: .map([.string("epoch"): .int(1)])) == .active)
        #expect(ManagerRole(pingReply: .null) == .active)
    }

    @Test func anUnknownRoleIsKeptAndIsNotAStandby() {
        let role = ManagerRole(pingReply: .map([.string("role"): .string("draining")]))
        #expect(role.name == "draining")
        #expect(role != .standby)
    }
}
