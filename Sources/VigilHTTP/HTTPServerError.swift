/// Why the HTTP API could not start.
public struct HTTPServerError: Error, CustomStringConvertible {
    /// A kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        /// The listening socket could not be bound (address in use, unknown host, no permission).
        public static let bindFailed = Code(name: "bindFailed")
        /// An argument to ``HTTPServer/start(service:host:port:bearerToken:maximumBodySize:limits:log:)`` is invalid.
        public static let invalidConfiguration = Code(name: "invalidConfiguration")
        /// The name of the code.
        public var description: String { name }
    }

    /// What failed.
    public var code: Code
    /// A sentence for the operator, naming the address where it applies.
    public var message: String
    /// The underlying error (a socket error), if any.
    public var cause: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The message.
    public var description: String { message }
}
