import DurableWire
import Foundation

/// Prints `value` as one line of JSON on stdout, flushed: a script reading line by line sees it at once.
func printJSON(_ value: Value) {
    print(value.jsonText())
    fflush(nil)
}
