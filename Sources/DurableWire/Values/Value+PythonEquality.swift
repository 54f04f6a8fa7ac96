extension Value {
    /// Equality as Python's `==` sees it.
    ///
    /// - Numbers compare by value across kinds, exactly: `1 == 1.0 == true`, but
    ///   `Int64.max != Double(Int64.max)` (the double is 2⁶³). NaN equals nothing, itself included.
    /// - Strings compare by Unicode scalars, so `"\u{e9}"` and `"e\u{301}"` differ.
    /// - Maps compare as sets of entries, whatever their order; arrays item by item.
    ///
    /// ```swift
    /// Value.int(1).pythonEquals(.double(1.0))                           // true
    /// Value.map(["a": 1, "b": 2]).pythonEquals(.map(["b": 2, "a": 1]))  // true
    /// ```
    public func pythonEquals(_ other: Value) -> Bool {
        equals(other, nanEqualsNaN: false)
    }

    /// Python's `==`, except that NaN equals NaN: how a dict finds a key. Python finds a NaN key
    /// only through the very float object it was stored with; a value that crossed a connection
    /// is always a new object, so the manager treats every NaN key as the same key.
    func keyEquals(_ other: Value) -> Bool {
        equals(other, nanEqualsNaN: true)
    }

    private func equals(_ other: Value, nanEqualsNaN: Bool) -> Bool {
        if let a = numeric, let b = other.numeric {
            if nanEqualsNaN, a.isNaN, b.isNaN { return true }
            return Numeric.compare(a, b) == 0
        }
        switch (self, other) {
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.equals($1, nanEqualsNaN: nanEqualsNaN) }
        case (.map(let a), .map(let b)):
            guard a.count == b.count else { return false }
            // Keys are looked up as a dict looks them up; the by-Python-key index is built only
            // when a key is not found as it is (`1` in one map, `1.0` in the other).
            var byPythonKey: [PythonKey: Value]?
            for (key, value) in a {
                let match: Value?
                if let index = b.index(forKey: key) {
                    match = b.values[index]
                } else {
                    let index = byPythonKey ?? Dictionary(b.map { (PythonKey($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
                    byPythonKey = index
                    match = index[PythonKey(key)]
                }
                guard let match, value.equals(match, nanEqualsNaN: nanEqualsNaN) else { return false }
            }
            return true
        case (.reference(let a), .reference(let b)):
            return a.id == b.id
        default:
            return self == other
        }
    }

    /// Feeds `hasher` so that values that are ``keyEquals(_:)`` hash alike: `1`, `1.0` and
    /// `true` hash as one number, a map's hash ignores its order.
    func combinePythonHash(into hasher: inout Hasher) {
        if let number = numeric {
            hasher.combine(0 as UInt8)
            switch number.integral {
            case .some(let whole): hasher.combine(whole)
            case nil where number.isNaN: hasher.combine(1 as UInt8)
            case nil: hasher.combine(number.approximate.bitPattern)
            }
            return
        }
        switch self {
        case .array(let items):
            hasher.combine(7 as UInt8)
            hasher.combine(items.count)
            for item in items { item.combinePythonHash(into: &hasher) }
        case .map(let entries):
            hasher.combine(8 as UInt8)
            var sum = 0
            for (key, value) in entries {
                var entry = Hasher()
                key.combinePythonHash(into: &entry)
                value.combinePythonHash(into: &entry)
                sum &+= entry.finalize()
            }
            hasher.combine(sum)
        default:
            hash(into: &hasher)
        }
    }

    /// A number as Python compares it: an integer (bools included) exactly, or a double.
    enum Numeric {
        case exact(Int64)
        case approximate(Double)

        var approximate: Double {
            switch self {
            case .exact(let value): Double(value)
            case .approximate(let value): value
            }
        }

        var isNaN: Bool {
            if case .approximate(let value) = self { return value.isNaN }
            return false
        }

        /// The integer this number equals exactly, if any.
        var integral: Int64? {
            switch self {
            case .exact(let value): return value
            case .approximate(let value):
                // -2⁶³ and 2⁶³ are exact doubles; every double in between with no fraction is an Int64.
                guard value == value.rounded(.towardZero), value >= -0x1p63, value < 0x1p63 else { return nil }
                return Int64(value)
            }
        }

        /// -1, 0 or 1 as `a` is below, equal to or above `b`, exactly; nil when either is NaN.
        static func compare(_ a: Numeric, _ b: Numeric) -> Int? {
            switch (a, b) {
            case (.exact(let x), .exact(let y)):
                return x < y ? -1 : (x == y ? 0 : 1)
            case (.exact(let x), .approximate(let y)):
                return compare(x, y)
            case (.approximate(let x), .exact(let y)):
                return compare(y, x).map { -$0 }
            case (.approximate(let x), .approximate(let y)):
                if x.isNaN || y.isNaN { return nil }
                return x < y ? -1 : (x == y ? 0 : 1)
            }
        }

        /// Compares an integer with a double without rounding the integer to a double.
        private static func compare(_ x: Int64, _ y: Double) -> Int? {
            if y.isNaN { return nil }
            if y >= 0x1p63 { return -1 }
            if y < -0x1p63 { return 1 }
            let whole = Int64(y.rounded(.towardZero))
            if x != whole { return x < whole ? -1 : 1 }
            let rest = y - Double(whole)
            return rest > 0 ? -1 : (rest < 0 ? 1 : 0)
        }
    }

    var numeric: Numeric? {
        switch self {
        case .bool(let flag): .exact(flag ? 1 : 0)
        case .int(let number): .exact(number)
        case .double(let number): .approximate(number)
        default: nil
        }
    }
}

/// A value as a key of a Python `dict`: equal and hashed as Python does (``Value/keyEquals(_:)``),
/// while the value itself, the key as first stored, is kept as it was sent.
package struct PythonKey: Hashable, Sendable {
    package let value: Value

    package init(_ value: Value) {
        self.value = value
    }

    package static func == (lhs: PythonKey, rhs: PythonKey) -> Bool {
        lhs.value.keyEquals(rhs.value)
    }

    package func hash(into hasher: inout Hasher) {
        value.combinePythonHash(into: &hasher)
    }
}
