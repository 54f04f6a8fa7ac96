/// A string as a key that compares by Unicode scalars, as Python compares strings.
///
/// Swift's `String ==` is canonical equivalence: `"\u{e9}"` (é) equals `"e\u{301}"` (e and a
/// combining accent). Two objects named so would be one object; wherever clients choose the
/// string, the manager keys by this instead.
package struct ExactString: Hashable, Sendable, CustomStringConvertible {
    package let string: String

    package init(_ string: String) {
        self.string = string
    }

    package static func == (lhs: ExactString, rhs: ExactString) -> Bool {
        lhs.string.hasSameScalars(as: rhs.string)
    }

    package func hash(into hasher: inout Hasher) {
        Value.combineScalars(of: string, into: &hasher)
    }

    package var description: String { string }
}
