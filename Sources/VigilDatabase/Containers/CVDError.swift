/// A `.cvd`, `.cld` or `.cud` file that cannot be loaded, or a `.cdiff` that cannot be applied.
public struct CVDError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let rawValue: String
        public var description: String { rawValue }
        /// The file could not be read.
        public static let io = Code(rawValue: "io")
        /// The header is missing, short or unparseable.
        public static let header = Code(rawValue: "header")
        /// The body's MD5 is not the one the header names.
        public static let checksum = Code(rawValue: "checksum")
        /// The body cannot be decompressed (corrupt or truncated gzip).
        public static let compression = Code(rawValue: "compression")
        /// The body is not a tar archive ClamAV would accept.
        public static let archive = Code(rawValue: "archive")
        /// The `.info` member is missing, malformed, or disagrees with the header or a member.
        public static let integrity = Code(rawValue: "integrity")
        /// The body is larger than the limit (a decompression bomb, or a limit set too low).
        public static let limit = Code(rawValue: "limit")
        /// A `.cdiff` script command fails (bad syntax, a line that does not match, a missing member).
        public static let script = Code(rawValue: "script")
        /// A `.cdiff` is not for the database's next version.
        public static let version = Code(rawValue: "version")
    }

    /// The kind of failure.
    public var code: Code
    /// What is wrong, a sentence without the path and without a trailing period.
    public var message: String
    /// The file at fault, as the user named it.
    public var path: String
    /// The 1-based line of a `.cdiff` script, for ``Code/script`` errors.
    public var line: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String, path: String, line: Int? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.line = line
    }

    /// `PATH: message` or `PATH:LINE: message`.
    public var description: String { line.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)" }
}
