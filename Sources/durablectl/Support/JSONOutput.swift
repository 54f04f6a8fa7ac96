import DurableWire
import Foundation

/// Prints `value` as one line of JSON on stdout, flushed: a script reading line by line sees it
/// at once. `exact` writes the forms that decode back to the same value (a backup's).
func printJSON(_ value: Value, exact: Bool = false) {
    print(value.jsonText(exact: exact))
    fflush(nil)
}

/// The value a command-line argument holds as JSON, or nil when it is not JSON.
func jsonValue(_ text: String) -> Value? {
    try? JSONDecoder().decode(Value.self, from: Data(text.utf8))
}
