/// An error a manager reports for a call, or a client reports for its connection.
///
/// Every reply that is not a result carries one: a ``Code`` that programs match on, and a
/// message for people that says what happened and what to do. The codes follow the Python
/// exceptions a manager's caller would see (`KeyError`, `Empty`, `Full`...), so a Python user
/// knows them on sight.
///
/// ```swift
/// do {
///     let job = try await queue.get(timeout: .seconds(1))
/// } catch let error as ManagerError where error.code == .empty {
///     print("no job yet")
/// }
/// ```
public struct ManagerError: Error, Hashable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added; match the ones you handle.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name as it travels on the wire.
        public let name: String

        private init(_ name: String) { self.name = name }

        /// Decodes a code received on the wire; a name this build does not know is kept as is.
        package init(wireName: String) { self.name = wireName }

        public var description: String { name }

        /// A dict has no such key.
        public static let keyError = Code("KeyError")
        /// A list index is out of range.
        public static let indexError = Code("IndexError")
        /// A Namespace has no such attribute.
        public static let attributeError = Code("AttributeError")
        /// A value is of the right type but not acceptable (Python's `ValueError`).
        public static let valueError = Code("ValueError")
        /// A state or a reply would be larger than the manager allows (Python's `MemoryError`).
        public static let memoryError = Code("MemoryError")
        /// A number does not fit where it must go (Python's `OverflowError`).
        public static let overflowError = Code("OverflowError")
        /// An argument is of the wrong type or number (Python's `TypeError`).
        public static let wrongType = Code("TypeError")
        /// A non-blocking or timed-out `get` found the queue empty.
        public static let empty = Code("Empty")
        /// A non-blocking or timed-out `put` found the queue full.
        public static let full = Code("Full")
        /// A blocking call's timeout passed.
        public static let timeout = Code("Timeout")
        /// The caller released or waited on a lock it does not hold.
        public static let notOwner = Code("NotOwner")
        /// A barrier was broken or reset while the caller waited on it.
        public static let brokenBarrier = Code("BrokenBarrier")
        /// No object has the id the call named.
        public static let unknownObject = Code("UnknownObject")
        /// The object was an in-memory primitive of an earlier run of the manager.
        public static let lostInRestart = Code("LostInRestart")
        /// The object's type does not expose the method.
        public static let notExposed = Code("NotExposed")
        /// A named object exists with another type than the one asked for.
        public static let typeMismatch = Code("TypeMismatch")
        /// The manager serves as many connections as it may (its `--max-connections`); try later.
        public static let tooManyConnections = Code("TooManyConnections")
        /// A retried call's reply is no longer remembered (more unacknowledged replies piled up
        /// than the manager keeps): the call may or may not have been applied.
        public static let replyForgotten = Code("ReplyForgotten")
        /// The manager is a standby (`serve --standby`): it serves nothing until it takes over
        /// from the active manager of its journal. A client given several addresses tries the next.
        public static let standby = Code("Standby")
        /// The manager is shutting down and takes no more calls.
        public static let shuttingDown = Code("ShuttingDown")
        /// The manager could not write the journal; the call's change was not made.
        public static let journalFailure = Code("JournalFailure")
        /// The authkey did not match.
        public static let authenticationFailed = Code("AuthenticationFailed")
        /// The TLS handshake failed: the manager's certificate did not verify, the manager
        /// refused the client's, or one side does not speak TLS. Retrying does not help.
        public static let tlsFailure = Code("TLSFailure")
        /// A frame or message broke the protocol.
        public static let protocolError = Code("ProtocolError")
        /// The caller cancelled the call before it completed.
        public static let cancelled = Code("Cancelled")
        /// The connection to the manager is gone.
        public static let connectionLost = Code("ConnectionLost")
    }

    /// What kind of failure this is.
    public let code: Code
    /// What happened and what to do, for a person.
    public let message: String

    /// Creates an error with a code and a message for people.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.name): \(message)" }
}

extension ManagerError {
    /// The dict has no entry for `key`.
    public static func keyError(_ key: Value) -> ManagerError {
        ManagerError(.keyError, "no key \(key)")
    }

    /// An argument was not what the method takes.
    public static func wrongType(method: String, expected: String, got: Value) -> ManagerError {
        ManagerError(.wrongType, "\(method) takes \(expected), got \(got.kindName) \(got)")
    }

    /// The one wording of a lost connection: where, why, and whether the call had been sent, so
    /// that a caller knows if it may have been applied.
    package static func connectionLost(to address: ManagerAddress, because reason: String, inFlight: Bool) -> ManagerError {
        ManagerError(
            .connectionLost,
            "the connection to the manager at \(address) was lost (\(reason)); "
                + (inFlight ? "this call was in flight: it may or may not have been applied" : "this call was not sent")
        )
    }

    /// The method was called with the wrong number of arguments.
    public static func arity(method: String, expected: String, got: Int) -> ManagerError {
        ManagerError(.wrongType, "\(method) takes \(expected) argument(s), got \(got)")
    }
}
