/// What a manager says it does, in the `"role"` entry of its `ping` reply: `active` serves
/// calls; `standby` (`serve --standby`) serves nothing until it takes over from the active
/// manager of its journal, and a client given several addresses moves on to the next.
///
/// ```swift
/// let role = ManagerRole(pingReply: try await connection.call(0, "ping", []))
/// if role == .standby { print("a standby: try another address") }
/// ```
package struct ManagerRole: Sendable, Hashable, CustomStringConvertible {
    /// The role's name in the ping reply.
    package let name: String

    private init(_ name: String) { self.name = name }

    /// Serves calls.
    package static let active = ManagerRole("active")
    /// Answers `ping` and refuses every other call with `ManagerError.Code.standby`.
    package static let standby = ManagerRole("standby")

    /// The role a `ping` reply states. Managers from before standbys existed send no `"role"`,
    /// and they serve: a reply without one (or one that is not a map) is ``active``. A role
    /// this build does not know is kept by name, and is not ``standby``: only a manager that
    /// says it is a standby is skipped, since one that refuses calls for another reason
    /// says so in its replies.
    package init(pingReply: Value) {
        guard case .map(let fields) = pingReply, case .string(let name)? = fields[.string("role")] else {
            self = .active
            return
        }
        self.init(name)
    }

    package var description: String { name }
}
