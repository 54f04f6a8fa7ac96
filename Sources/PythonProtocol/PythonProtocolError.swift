/// Why a peer speaking CPython's `multiprocessing` protocol was refused: a frame, the authkey
/// handshake or a pickle.
///
/// A public struct over a code, so kinds can be added without breaking callers; the message says
/// what happened and what to do.
public struct PythonProtocolError: Error, Hashable, CustomStringConvertible {
    /// What kind of refusal this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A frame announced more bytes than the limit allows.
        public static let frameTooLarge = Code("FrameTooLarge")
        /// A frame's length prefix is not one `multiprocessing.connection` writes.
        public static let badFrame = Code("BadFrame")
        /// The peer did not prove the authkey, or did not follow the handshake.
        public static let authentication = Code("Authentication")
        /// The pickle is cut short or inconsistent (a stack underflow, a missing memo entry).
        public static let malformedPickle = Code("MalformedPickle")
        /// The pickle asks for something this reader never does: a global outside the
        /// allow-list, an opcode that runs code, a value the value model cannot hold.
        public static let refusedPickle = Code("RefusedPickle")
        /// The pickle nests too deeply or expands to too many values.
        public static let pickleTooLarge = Code("PickleTooLarge")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
