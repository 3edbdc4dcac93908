/// A compressed stream that cannot be decompressed (by zlib through ``Inflate``, or by Vigil's own decoders
/// such as ``Implode`` and ``Deflate64``): corrupt, truncated, or larger than the caller allows.
public struct DecompressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let rawValue: String
        public var description: String { rawValue }
        /// The output would exceed the caller's maximum (a decompression bomb, or a limit set too low).
        public static let outputLimitExceeded = Code(rawValue: "output limit exceeded")
        /// The input ends before the stream does.
        public static let truncated = Code(rawValue: "truncated")
        /// The input is not a valid stream of the expected format.
        public static let corrupt = Code(rawValue: "corrupt")
        /// The decompressor could not allocate its state.
        public static let resources = Code(rawValue: "out of memory")
    }

    /// The kind of failure.
    public var code: Code
    /// A sentence saying what is wrong and where, without a trailing period.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
