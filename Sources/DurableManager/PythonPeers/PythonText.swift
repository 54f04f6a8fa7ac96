import DurableWire
import PythonProtocol

/// What the manager computes for CPython's proxies that its objects do not: `repr` text and
/// slices of a list.
enum PythonText {
    /// `value` as Python's `repr` writes it, for `print(proxy)`, with proxies as CPython's manager shows them.
    static func repr(_ value: Value) -> String {
        value.pythonRepr { "<\($0.typeID) proxy \(PythonValues.ident($0.id))>" }
    }

    /// `items[start:stop:step]` with Python's rules for missing, negative and large bounds.
    static func slice(_ items: [Value], start: PickleValue, stop: PickleValue, step: PickleValue) throws(ManagerError) -> [Value] {
        func bound(_ value: PickleValue) throws(ManagerError) -> Int64? {
            switch value {
            case .none: return nil
            case .int(let int): return int
            case .bool(let flag): return flag ? 1 : 0
            default: throw ManagerError(.wrongType, "slice indices must be integers or None")
            }
        }
        let count = Int64(items.count)
        let step = try bound(step) ?? 1
        guard step != 0 else { throw ManagerError(.valueError, "slice step cannot be zero") }
        func clamp(_ index: Int64?, _ defaultValue: Int64) -> Int64 {
            guard var index else { return defaultValue }
            if index < 0 { index = index.addingReportingOverflow(count).partialValue }
            return step > 0 ? min(max(index, 0), count) : min(max(index, -1), count - 1)
        }
        let first = clamp(try bound(start), step > 0 ? 0 : count - 1)
        let end = clamp(try bound(stop), step > 0 ? count : -1)
        var result: [Value] = []
        var index = first
        while step > 0 ? index < end : index > end {
            result.append(items[Int(index)])
            let (next, overflow) = index.addingReportingOverflow(step)
            if overflow { break }
            index = next
        }
        return result
    }
}
