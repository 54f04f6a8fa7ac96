extension Value {
    /// Orders two values as Python's `<` does, or returns `nil` where Python raises `TypeError`.
    ///
    /// Numbers compare by magnitude across `bool`, `int` and `double`; strings by Unicode scalar;
    /// bytes bytewise; arrays element by element. Null, maps and references have no order.
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
            guard let a = lhs.numericValue, let b = rhs.numericValue else { return nil }
            switch (a, b) {
            case (.exact(let x), .exact(let y)): return x < y
            default: return a.approximate < b.approximate
            }
        }
    }

    /// Equality as Python's `==` sees it: `1 == 1.0 == True`; everything else as `==`.
    public func pythonEquals(_ other: Value) -> Bool {
        if let a = numericValue, let b = other.numericValue {
            switch (a, b) {
            case (.exact(let x), .exact(let y)): return x == y
            default: return a.approximate == b.approximate
            }
        }
        switch (self, other) {
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pythonEquals($1) }
        default:
            return self == other
        }
    }

    private enum Numeric {
        case exact(Int64)
        case approximate(Double)

        var approximate: Double {
            switch self {
            case .exact(let value): Double(value)
            case .approximate(let value): value
            }
        }
    }

    private var numericValue: Numeric? {
        switch self {
        case .bool(let flag): .exact(flag ? 1 : 0)
        case .int(let number): .exact(number)
        case .double(let number): .approximate(number)
        default: nil
        }
    }
}
