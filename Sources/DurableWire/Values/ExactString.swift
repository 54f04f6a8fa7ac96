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

    // On the UTF-8 bytes at once (code points and UTF-8 are one-to-one): sessions' ids are
    // hashed and compared for every call the reply memory keeps, and a replay makes millions.
    package static func == (lhs: ExactString, rhs: ExactString) -> Bool {
        lhs.string.hasSameScalars(as: rhs.string)
    }

    package func hash(into hasher: inout Hasher) {
        var string = string
        string.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    package var description: String { string }
}
