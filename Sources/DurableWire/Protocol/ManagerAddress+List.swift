extension ManagerAddress {
    /// Parses addresses separated by commas, as `durablectl --connect A,B` takes them: a client
    /// given several tries them in turn (a primary and its standbys).
    ///
    /// A comma starts a new address only where `unix:` or `tcp:` follows it, so a Unix socket
    /// path that holds a comma (`unix:/tmp/a,b.sock`) is still one address.
    ///
    /// ```swift
    /// let addresses = try ManagerAddress.list(parsing: "tcp:10.0.0.1:50000,tcp:10.0.0.2:50000")
    /// ```
    /// - Throws: ``ManagerError`` `.valueError` for an empty list or a malformed address, with
    ///   ``init(parsing:)``'s message.
    package static func list(parsing text: String) throws(ManagerError) -> [ManagerAddress] {
        var pieces: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        while let comma = text[index...].firstIndex(of: ",") {
            let next = text.index(after: comma)
            let rest = text[next...]
            if rest.hasPrefix("unix:") || rest.hasPrefix("tcp:") {
                pieces.append(text[start..<comma])
                start = next
            }
            index = next
        }
        pieces.append(text[start...])
        return try pieces.map { piece throws(ManagerError) in try ManagerAddress(parsing: String(piece)) }
    }
}
