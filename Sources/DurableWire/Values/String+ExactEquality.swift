#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension String {
    /// Whether the two strings have the same Unicode scalars (the same UTF-8 bytes), as Python
    /// compares strings; Swift's `==` also equates canonically equivalent ones.
    ///
    /// Dict keys, session ids and object names are compared at every call: native strings are
    /// compared as one block of memory rather than byte by byte through the generic view.
    package func hasSameScalars(as other: String) -> Bool {
        let left = utf8
        let right = other.utf8
        guard left.count == right.count else { return false }
        let compared = left.withContiguousStorageIfAvailable { leftBytes in
            right.withContiguousStorageIfAvailable { rightBytes in
                leftBytes.isEmpty || memcmp(leftBytes.baseAddress!, rightBytes.baseAddress!, leftBytes.count) == 0
            }
        }
        return compared.flatMap { $0 } ?? left.elementsEqual(right)
    }
}
