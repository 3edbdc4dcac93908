/// Diagnostics for signature text: where it is wrong (file, line, column) and what is wrong.

/// A position in a signature file.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    /// The file's path as the user named it.
    public var file: String
    /// The 1-based line.
    public var line: Int
    /// The 1-based column, where one is known.
    public var column: Int?

    /// Creates a location.
    public init(file: String, line: Int, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `FILE:LINE` or `FILE:LINE:COLUMN`, as compilers print it.
    public var description: String { column.map { "\(file):\(line):\($0)" } ?? "\(file):\(line)" }
}

/// A signature line that cannot be loaded: malformed text, or a construct Vigil does not support yet.
public struct SignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let rawValue: String
        public var description: String { rawValue }
        /// The text breaks the format's grammar; the database is refused.
        public static let malformed = Code(rawValue: "malformed")
        /// The text is valid ClamAV but uses something Vigil does not implement yet; the signature is skipped.
        public static let unsupported = Code(rawValue: "unsupported")
    }

    /// The kind of problem.
    public var code: Code
    /// What is wrong, in a sentence without a trailing period.
    public var message: String
    /// Where it is.
    public var location: SourceLocation
    /// The offending line, for a caret excerpt.
    public var excerpt: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, at location: SourceLocation, excerpt: String? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.excerpt = excerpt
    }

    /// `FILE:LINE[:COL]: message`.
    public var description: String { "\(location): \(message)" }

    /// The description followed by the line and a caret under the column, like a compiler's diagnostic.
    public var renderedWithExcerpt: String {
        guard let excerpt, let column = location.column else { return description }
        let shown = excerpt.count > 160 ? String(excerpt.prefix(160)) + "…" : excerpt
        let caretColumn = min(column, 161)
        return description + "\n    " + shown + "\n    " + String(repeating: " ", count: caretColumn - 1) + "^"
    }
}
