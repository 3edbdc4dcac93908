/// Parses YARA 4.5 source: `import`, `include`, and rules with their tags, metadata, strings and condition.
/// Errors name the file, line and column with the line and a caret.
public struct YaraParser {
    /// Reads an included file: given the path as resolved against the including file's directory, its bytes, or
    /// why it cannot be read.
    public typealias IncludeReader = (String) -> Result<[UInt8], IncludeFailure>

    /// Why an included file could not be read (the system's message).
    public struct IncludeFailure: Error, Sendable {
        /// The reason, as the system words it.
        public var reason: String

        /// Creates a failure.
        public init(reason: String) { self.reason = reason }
    }

    /// libyara's deepest nesting of includes.
    public static let maximumIncludeDepth = 16
    /// How deeply parentheses and operators may nest in a condition (the parser recurses; hostile rules must
    /// not exhaust the stack).
    static let maximumExpressionDepth = 200

    var lexer: YaraLexer
    var current: YaraLexer.Token
    private var lookahead: YaraLexer.Token?
    private let readInclude: IncludeReader?
    private let includeStack: [String]
    var depth = 0

    private init(_ bytes: [UInt8], file: String, readInclude: IncludeReader?, includeStack: [String])
        throws(SignatureError)
    {
        lexer = YaraLexer(bytes, file: file)
        self.readInclude = readInclude
        self.includeStack = includeStack + [file]
        current = try lexer.next()
    }

    /// Parses the source of `file`. `include "path"` reads through `readInclude` (relative paths against the
    /// including file's directory); without a reader, an include is an error.
    public static func parse(_ bytes: [UInt8], file: String, readInclude: IncludeReader? = nil)
        throws(SignatureError) -> YaraSource
    {
        var source = YaraSource()
        try parse(bytes, file: file, readInclude: readInclude, includeStack: [], into: &source)
        return source
    }

    private static func parse(
        _ bytes: [UInt8], file: String, readInclude: IncludeReader?, includeStack: [String],
        into source: inout YaraSource
    ) throws(SignatureError) {
        var parser = try YaraParser(bytes, file: file, readInclude: readInclude, includeStack: includeStack)
        try parser.parseFile(into: &source)
    }

    private mutating func parseFile(into source: inout YaraSource) throws(SignatureError) {
        while current.kind != .end {
            switch current.kind {
            case .keyword("import"):
                let location = here
                try advance()
                guard case .text(let name) = current.kind else { throw unexpected("a module name in quotes") }
                source.imports.append(YaraImport(module: String(decoding: name, as: UTF8.self), location: location))
                try advance()
            case .keyword("include"):
                let location = here
                try advance()
                guard case .text(let path) = current.kind else { throw unexpected("a file name in quotes") }
                try include(String(decoding: path, as: UTF8.self), at: location, into: &source)
                try advance()
            default:
                source.rules.append(try rule())
            }
        }
    }

    private func include(_ path: String, at location: SourceLocation, into source: inout YaraSource)
        throws(SignatureError)
    {
        guard let readInclude else { throw error("includes are not allowed here", at: location) }
        let resolved: String
        if path.hasPrefix("/") {
            resolved = path
        } else if let slash = lexer.file.lastIndex(of: "/") {
            resolved = String(lexer.file[...slash]) + path
        } else {
            resolved = path
        }
        guard !includeStack.contains(resolved) else {
            throw error("circular include of \"\(resolved)\"", at: location)
        }
        guard includeStack.count < Self.maximumIncludeDepth else {
            throw error("includes nested more than \(Self.maximumIncludeDepth) deep", at: location)
        }
        switch readInclude(resolved) {
        case .success(let bytes):
            try Self.parse(bytes, file: resolved, readInclude: readInclude, includeStack: includeStack, into: &source)
        case .failure(let e):
            throw error("cannot read included file \"\(resolved)\": \(e.reason)", at: location)
        }
    }

    // MARK: rules

    private mutating func rule() throws(SignatureError) -> YaraRule {
        var isPrivate = false
        var isGlobal = false
        while case .keyword(let word) = current.kind, word == "private" || word == "global" {
            if word == "private" { isPrivate = true } else { isGlobal = true }
            try advance()
        }
        guard current.kind == .keyword("rule") else { throw unexpected("a rule") }
        try advance()
        let location = here
        guard case .identifier(let name) = current.kind else { throw unexpected("the rule's name") }
        try advance()
        var tags: [String] = []
        if current.kind == .punctuation(":") {
            try advance()
            while case .identifier(let tag) = current.kind {
                guard !tags.contains(tag) else { throw error("duplicated tag \"\(tag)\"") }
                tags.append(tag)
                try advance()
            }
            guard !tags.isEmpty else { throw unexpected("a tag") }
        }
        try expect("{")
        var metadata: [YaraMetadata] = []
        if current.kind == .keyword("meta") {
            try advance()
            try expect(":")
            while case .identifier(let key) = current.kind {
                try advance()
                try expect("=")
                metadata.append(YaraMetadata(key: key, value: try metadataValue()))
            }
        }
        var strings: [YaraStringDeclaration] = []
        if current.kind == .keyword("strings") {
            try advance()
            try expect(":")
            while case .stringIdentifier(let identifier) = current.kind {
                let declaration = try stringDeclaration(identifier)
                if identifier != "$", strings.contains(where: { $0.identifier == identifier }) {
                    throw error("duplicated string identifier \(identifier)", at: declaration.location)
                }
                strings.append(declaration)
            }
            guard !strings.isEmpty else { throw unexpected("a string declaration") }
        }
        guard current.kind == .keyword("condition") else { throw unexpected("condition:") }
        try advance()
        try expect(":")
        let condition = try expression()
        try expect("}")
        return YaraRule(
            name: name, isPrivate: isPrivate, isGlobal: isGlobal, tags: tags, metadata: metadata, strings: strings,
            condition: condition, location: location)
    }

    private mutating func metadataValue() throws(SignatureError) -> YaraMetadata.Value {
        switch current.kind {
        case .text(let text):
            try advance()
            return .text(text)
        case .integer(let value):
            try advance()
            return .integer(value)
        case .punctuation("-"):
            try advance()
            guard case .integer(let value) = current.kind else { throw unexpected("a number") }
            try advance()
            return .integer(0 &- value)
        case .keyword("true"), .keyword("false"):
            let value = current.kind == .keyword("true")
            try advance()
            return .boolean(value)
        default:
            throw unexpected("a text, number or boolean value")
        }
    }

    // MARK: tokens

    /// Where the current token begins.
    var here: SourceLocation { lexer.location(line: current.line, column: current.column) }

    /// Moves to the next token; with `hexAllowed`, a `{` there begins a hex string.
    mutating func advance(hexAllowed: Bool = false) throws(SignatureError) {
        if let lookahead {
            current = lookahead
            self.lookahead = nil
        } else {
            current = try lexer.next(hexAllowed: hexAllowed)
        }
    }

    /// The token after the current one.
    mutating func peekNext() throws(SignatureError) -> YaraLexer.Token {
        if let lookahead { return lookahead }
        let next = try lexer.next()
        lookahead = next
        return next
    }

    /// Consumes the punctuation `text` or fails naming it.
    mutating func expect(_ text: String, hexAllowedAfter: Bool = false) throws(SignatureError) {
        guard current.kind == .punctuation(text) else { throw unexpected("'\(text)'") }
        try advance(hexAllowed: hexAllowedAfter)
    }

    /// `expected WHAT, found TOKEN` at the current token.
    func unexpected(_ expected: String) -> SignatureError {
        error("expected \(expected), found \(describe(current.kind))")
    }

    /// A malformed-source error at the current token, or at `location`.
    func error(_ message: String, at location: SourceLocation? = nil) -> SignatureError {
        let location = location ?? here
        return SignatureError(
            .malformed, message, at: location,
            excerpt: location.file == lexer.file ? lexer.lineText(location.line) : nil)
    }

    private func describe(_ kind: YaraLexer.Kind) -> String {
        switch kind {
        case .identifier(let name): "identifier \"\(name)\""
        case .keyword(let word): "'\(word)'"
        case .stringIdentifier(let id), .stringWildcard(let id): "string identifier \(id)"
        case .stringCount(let id): "string count #\(id.dropFirst())"
        case .stringOffset(let id): "string offset @\(id.dropFirst())"
        case .stringLength(let id): "string length !\(id.dropFirst())"
        case .integer(let value): "number \(value)"
        case .float(let value): "number \(value)"
        case .text: "a text string"
        case .regex: "a regular expression"
        case .hex: "a hex string"
        case .punctuation(let p): "'\(p)'"
        case .end: "the end of the file"
        }
    }
}
