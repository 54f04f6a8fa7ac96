/// How hard the journal works to keep acknowledged changes, as Redis's `appendfsync`.
///
/// ```swift
/// configuration.journal = .init(path: "/var/lib/jobs/manager.sqlite", durability: .full)
/// ```
public struct Durability: Sendable, Hashable, CustomStringConvertible {
    package enum Mode: Sendable, Hashable {
        case full, normal, relaxed
    }

    package let mode: Mode

    private init(_ mode: Mode) { self.mode = mode }

    /// Every commit is fsynced before its callers are answered: survives power loss.
    public static let full = Durability(.full)
    /// Callers are answered once their change is committed to the WAL: survives a crash of the
    /// manager (kill -9, OOM) with nothing acknowledged lost; power loss may take the last
    /// commits. The default.
    public static let normal = Durability(.normal)
    /// Callers are answered before the commit, which runs on a timer: fastest, and a crash
    /// loses up to one interval of acknowledged changes. Opt in only where that is acceptable.
    public static let relaxed = Durability(.relaxed)

    /// Parses `full`, `normal` or `relaxed`.
    public init?(name: String) {
        switch name {
        case "full": self = .full
        case "normal": self = .normal
        case "relaxed": self = .relaxed
        default: return nil
        }
    }

    public var description: String {
        switch mode {
        case .full: "full"
        case .normal: "normal"
        case .relaxed: "relaxed"
        }
    }
}
