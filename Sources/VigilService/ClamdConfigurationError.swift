import VigilSystem

/// A clamd.conf that clamd would refuse (or that `vigil serve` cannot use), with where it is wrong.
public struct ClamdConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let rawValue: String
        /// The code's name.
        public var description: String { rawValue }
        /// The file cannot be read.
        public static let io = Code(rawValue: "io")
        /// A line breaks clamd's syntax: a key without a value, an unclosed or empty quoted value.
        public static let syntax = Code(rawValue: "syntax")
        /// The file is clamd's unedited example (it has an `Example` line).
        public static let example = Code(rawValue: "example")
        /// A value clamd's option parser rejects: not a number, a size or a boolean where one is expected.
        public static let value = Code(rawValue: "value")
        /// The settings together cannot serve, such as no socket at all (from ``ClamdConfiguration/validate()``).
        public static let invalid = Code(rawValue: "invalid")
    }

    /// The kind of problem.
    public var code: Code
    /// What is wrong, a sentence without the location, starting with the key where there is one.
    public var message: String
    /// The configuration file, as the caller named it; `nil` for ``Code/invalid``.
    public var file: String?
    /// The 1-based line, for problems on one line.
    public var line: Int?
    /// The 1-based column in UTF-8 bytes, for problems on one line.
    public var column: Int?
    /// The system error, for ``Code/io``.
    public var cause: Errno?

    /// Creates an error.
    public init(
        _ code: Code, _ message: String, file: String? = nil, line: Int? = nil, column: Int? = nil,
        cause: Errno? = nil
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.cause = cause
    }

    /// `FILE:LINE:COLUMN: message` as compilers print it, with the parts that are known.
    public var description: String {
        guard let file else { return message }
        let position = [line, column].compactMap { $0.map { ":\($0)" } }.joined()
        return "\(file)\(position): \(message)"
    }
}
