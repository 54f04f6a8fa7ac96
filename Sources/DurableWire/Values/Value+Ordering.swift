extension Value {
    /// Orders two values as Python's `<` does, or returns `nil` where Python raises `TypeError`.
    ///
    /// Numbers compare exactly by value across `bool`, `int` and `double` (a comparison with NaN
    /// is false both ways); strings by Unicode scalar; bytes bytewise; arrays element by element.
    /// Null, maps and references have no order.
    public static func pythonOrder(_ lhs: Value, _ rhs: Value) -> Bool? {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)):
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
        case (.bytes(let a), .bytes(let b)):
            return a.lexicographicallyPrecedes(b)
        case (.array(let a), .array(let b)):
            for (x, y) in zip(a, b) where !x.pythonEquals(y) {
                return pythonOrder(x, y)
            }
            return a.count < b.count
        default:
            guard let a = lhs.numeric, let b = rhs.numeric else { return nil }
            return Numeric.compare(a, b) == -1
        }
    }
}
