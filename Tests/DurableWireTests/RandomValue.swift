import DurableWire
import OrderedCollections
import PropertyBased

/// Random values for property tests: every kind, maps with keys of any kind, nested a few
/// levels. NaN is left out because it is not equal to itself, so no round trip could pass `==`.
enum RandomValue {
    static func generator(maxDepth: Int = 3) -> Generator<Value, Shrink.None<Value>> {
        Generator { rng in value(depth: maxDepth, using: &rng) }
    }

    static func value(depth: Int, using rng: inout some RandomNumberGenerator) -> Value {
        // The last three choices nest; at depth 0 only scalars are left.
        switch Int.random(in: 0..<(depth > 0 ? 10 : 7), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(integer(using: &rng))
        case 3: return .double(double(using: &rng))
        case 4: return .string(string(using: &rng))
        case 5: return .bytes(bytes(using: &rng))
        case 6: return .reference(ObjectReference(id: UInt64.random(in: .min ... .max, using: &rng), typeID: string(using: &rng)))
        case 7, 8:
            return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in value(depth: depth - 1, using: &rng) })
        default:
            var entries = OrderedDictionary<Value, Value>()
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                entries[value(depth: depth - 1, using: &rng)] = value(depth: depth - 1, using: &rng)
            }
            return .map(entries)
        }
    }

    static func integer(using rng: inout some RandomNumberGenerator) -> Int64 {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: [Int64.min, Int64.max, 0, -1].randomElement(using: &rng)!
        case 1: Int64.random(in: -300...300, using: &rng)
        default: Int64.random(in: .min ... .max, using: &rng)
        }
    }

    static func double(using rng: inout some RandomNumberGenerator) -> Double {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return [Double.infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude].randomElement(using: &rng)!
        case 1: return Double.random(in: -1e6...1e6, using: &rng)
        default:
            let number = Double(bitPattern: UInt64.random(in: .min ... .max, using: &rng))
            return number.isNaN ? 1.5 : number
        }
    }

    /// Short strings with one-, two-, three- and four-byte UTF-8, quotes and control characters.
    static func string(using rng: inout some RandomNumberGenerator) -> String {
        let scalars: [Unicode.Scalar] = ["a", "Z", "7", " ", "$", "\"", "\\", "\n", "\u{0}", "é", "ß", "中", "🙂"]
        var text = ""
        for _ in 0..<Int.random(in: 0...8, using: &rng) {
            text.unicodeScalars.append(scalars.randomElement(using: &rng)!)
        }
        return text
    }

    static func bytes(using rng: inout some RandomNumberGenerator) -> [UInt8] {
        (0..<Int.random(in: 0...16, using: &rng)).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
    }
}
