/// Splits YARA source into tokens as libyara's lexer does: `/` always begins a regular expression (YARA divides
/// with `\`), a hex string is read as one token where the parser expects a string's value, and comments are
/// `//` to the end of the line or `/* … */`.
struct YaraLexer {
    /// A token and where it begins.
    struct Token: Equatable {
        var kind: Kind
        var line: Int
        var column: Int
    }

    enum Kind: Equatable {
        case identifier(String)
        case keyword(String)
        /// `$name` or `$`.
        case stringIdentifier(String)
        /// `$name*`: the prefix with its `$`.
        case stringWildcard(String)
        /// `#name` or `#`.
        case stringCount(String)
        /// `@name` or `@`.
        case stringOffset(String)
        /// `!name` or `!`.
        case stringLength(String)
        case integer(Int64)
        case float(Double)
        case text([UInt8])
        /// `/pattern/flags`, the pattern with `\/` read as `/`.
        case regex([UInt8], caseless: Bool, dotAll: Bool)
        /// The text between a hex string's braces.
        case hex([UInt8])
        case punctuation(String)
        case end
    }

    static let keywords: Set<String> = [
        "all", "and", "any", "ascii", "at", "base64", "base64wide", "condition", "contains", "defined", "endswith",
        "entrypoint", "false", "filesize", "for", "fullword", "global", "import", "icontains", "iendswith", "iequals",
        "in", "include", "istartswith", "matches", "meta", "nocase", "none", "not", "of", "or", "private", "rule",
        "startswith", "strings", "them", "true", "wide", "xor",
    ]

    /// libyara's longest identifier.
    static let maximumIdentifierLength = 128

    let source: [UInt8]
    let file: String
    private(set) var index = 0
    private(set) var line = 1
    private var lineStart = 0

    init(_ source: [UInt8], file: String) {
        self.source = source
        self.file = file
    }

    /// The location of a line and column in this file.
    func location(line: Int, column: Int) -> SourceLocation { SourceLocation(file: file, line: line, column: column) }

    /// The text of a line, for a caret excerpt.
    func lineText(_ number: Int) -> String {
        var current = 1
        var start = 0
        while current < number, start < source.count {
            if source[start] == UInt8(ascii: "\n") { current += 1 }
            start += 1
        }
        var end = start
        while end < source.count, source[end] != UInt8(ascii: "\n") { end += 1 }
        return String(decoding: source[start..<end], as: UTF8.self).replacingTabs()
    }

    /// A malformed-source error at a line and column.
    func error(_ message: String, line: Int, column: Int) -> SignatureError {
        SignatureError(.malformed, message, at: location(line: line, column: column), excerpt: lineText(line))
    }

    private var column: Int { index - lineStart + 1 }

    private func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < source.count ? source[index + offset] : nil
    }

    private mutating func advance() {
        if source[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        index += 1
    }

    /// Skips white space and comments.
    private mutating func skipTrivia() throws(SignatureError) {
        while let byte = peek() {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C {
                advance()
            } else if byte == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "/") {
                while let b = peek(), b != UInt8(ascii: "\n") { advance() }
            } else if byte == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "*") {
                let (startLine, startColumn) = (line, column)
                advance()
                advance()
                while true {
                    guard let b = peek() else {
                        throw error("unterminated comment", line: startLine, column: startColumn)
                    }
                    if b == UInt8(ascii: "*"), peek(1) == UInt8(ascii: "/") {
                        advance()
                        advance()
                        break
                    }
                    advance()
                }
            } else {
                return
            }
        }
    }

    /// The next token. With `hexAllowed`, `{` begins a hex string (the value of a string declaration).
    mutating func next(hexAllowed: Bool = false) throws(SignatureError) -> Token {
        try skipTrivia()
        let (startLine, startColumn) = (line, column)
        func token(_ kind: Kind) -> Token { Token(kind: kind, line: startLine, column: startColumn) }
        guard let byte = peek() else { return token(.end) }
        if byte.isIdentifierStart {
            let word = identifierCharacters()
            guard word.count <= Self.maximumIdentifierLength else {
                throw error(
                    "identifier too long (at most \(Self.maximumIdentifierLength) characters)",
                    line: startLine, column: startColumn)
            }
            return token(Self.keywords.contains(word) ? .keyword(word) : .identifier(word))
        }
        if byte.isDigit { return token(try number(line: startLine, column: startColumn)) }
        switch byte {
        case UInt8(ascii: "$"), UInt8(ascii: "#"), UInt8(ascii: "@"), UInt8(ascii: "!"):
            if byte == UInt8(ascii: "!"), peek(1) == UInt8(ascii: "=") {
                advance()
                advance()
                return token(.punctuation("!="))
            }
            advance()
            let name = String(UnicodeScalar(byte)) + identifierCharacters()
            switch byte {
            case UInt8(ascii: "$"):
                if peek() == UInt8(ascii: "*") {
                    advance()
                    return token(.stringWildcard(name))
                }
                return token(.stringIdentifier(name))
            case UInt8(ascii: "#"): return token(.stringCount("$" + name.dropFirst()))
            case UInt8(ascii: "@"): return token(.stringOffset("$" + name.dropFirst()))
            default: return token(.stringLength("$" + name.dropFirst()))
            }
        case UInt8(ascii: "\""):
            return token(.text(try text(line: startLine, column: startColumn)))
        case UInt8(ascii: "/"):
            return token(try regex(line: startLine, column: startColumn))
        case UInt8(ascii: "{") where hexAllowed:
            return token(.hex(try hexBody(line: startLine, column: startColumn)))
        default:
            return token(.punctuation(try punctuation(line: startLine, column: startColumn)))
        }
    }

    private mutating func identifierCharacters() -> String {
        let start = index
        while let b = peek(), b.isIdentifierStart || b.isDigit { advance() }
        return String(decoding: source[start..<index], as: UTF8.self)
    }

    private mutating func number(line: Int, column: Int) throws(SignatureError) -> Kind {
        let start = index
        if peek() == UInt8(ascii: "0"), let marker = peek(1), marker == UInt8(ascii: "x") || marker == UInt8(ascii: "o")
        {
            advance()
            advance()
            let radix: Int64 = marker == UInt8(ascii: "x") ? 16 : 8
            var value: Int64 = 0
            var digits = 0
            while let b = peek(), let digit = ASCII.hexDigit(b), Int64(digit) < radix {
                let (shifted, overflow) = value.multipliedReportingOverflow(by: radix)
                guard !overflow else { throw error("integer too large", line: line, column: column) }
                value = shifted + Int64(digit)
                digits += 1
                advance()
            }
            guard digits > 0 else {
                throw error("missing digits after 0\(UnicodeScalar(marker))", line: line, column: column)
            }
            return .integer(value)
        }
        while let b = peek(), b.isDigit { advance() }
        if peek() == UInt8(ascii: "."), let after = peek(1), after.isDigit {
            advance()
            while let b = peek(), b.isDigit { advance() }
            let text = String(decoding: source[start..<index], as: UTF8.self)
            guard let value = Double(text) else { throw error("invalid number \(text)", line: line, column: column) }
            return .float(value)
        }
        let text = String(decoding: source[start..<index], as: UTF8.self)
        guard var value = Int64(text) else { throw error("integer too large", line: line, column: column) }
        for (suffix, factor) in [("KB", Int64(1024)), ("MB", Int64(1_048_576))]
        where peek() == suffix.utf8.first && peek(1) == suffix.utf8.last {
            advance()
            advance()
            let (scaled, overflow) = value.multipliedReportingOverflow(by: factor)
            guard !overflow else { throw error("integer too large", line: line, column: column) }
            value = scaled
        }
        return .integer(value)
    }

    /// A text string's bytes: escapes `\" \\ \t \n \r \xHH`; any other escape, or a line break, is an error.
    private mutating func text(line: Int, column: Int) throws(SignatureError) -> [UInt8] {
        advance()
        var bytes: [UInt8] = []
        while true {
            guard let b = peek(), b != UInt8(ascii: "\n") else {
                throw error("unterminated string", line: line, column: column)
            }
            advance()
            switch b {
            case UInt8(ascii: "\""): return bytes
            case UInt8(ascii: "\\"):
                let escapeColumn = self.column - 1
                guard let e = peek() else { throw error("unterminated string", line: line, column: column) }
                advance()
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(e)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "x"):
                    guard let high = peek().flatMap(ASCII.hexDigit), let low = peek(1).flatMap(ASCII.hexDigit) else {
                        throw error("illegal escape sequence", line: self.line, column: escapeColumn)
                    }
                    advance()
                    advance()
                    bytes.append(high << 4 | low)
                default: throw error("illegal escape sequence", line: self.line, column: escapeColumn)
                }
            default: bytes.append(b)
            }
        }
    }

    /// `/pattern/` then `i` and `s` in that order, as libyara's lexer reads them.
    private mutating func regex(line: Int, column: Int) throws(SignatureError) -> Kind {
        advance()
        var pattern: [UInt8] = []
        while true {
            guard let b = peek(), b != UInt8(ascii: "\n") else {
                throw error("unterminated regular expression", line: line, column: column)
            }
            advance()
            if b == UInt8(ascii: "/") { break }
            if b == UInt8(ascii: "\\") {
                guard let e = peek(), e != UInt8(ascii: "\n") else {
                    throw error("unterminated regular expression", line: line, column: column)
                }
                advance()
                if e == UInt8(ascii: "/") {
                    pattern.append(e)
                } else {
                    pattern += [b, e]
                }
                continue
            }
            pattern.append(b)
        }
        guard !pattern.isEmpty else { throw error("empty regular expression", line: line, column: column) }
        var caseless = false
        var dotAll = false
        if peek() == UInt8(ascii: "i") {
            caseless = true
            advance()
        }
        if peek() == UInt8(ascii: "s") {
            dotAll = true
            advance()
        }
        return .regex(pattern, caseless: caseless, dotAll: dotAll)
    }

    /// A hex string's inside, up to its closing brace; comments inside are removed (the layout is kept for columns).
    private mutating func hexBody(line: Int, column: Int) throws(SignatureError) -> [UInt8] {
        advance()
        var body: [UInt8] = []
        while true {
            guard let b = peek() else { throw error("unterminated hex string", line: line, column: column) }
            if b == UInt8(ascii: "}") {
                advance()
                return body
            }
            if b == UInt8(ascii: "/"), let next = peek(1), next == UInt8(ascii: "/") || next == UInt8(ascii: "*") {
                let start = index
                try skipTrivia()
                body += source[start..<index].map { $0 == UInt8(ascii: "\n") ? $0 : 0x20 }
                continue
            }
            body.append(b)
            advance()
        }
    }

    private mutating func punctuation(line: Int, column: Int) throws(SignatureError) -> String {
        let two: [String] = ["==", "!=", "<=", ">=", "<<", ">>", ".."]
        if let a = peek(), let b = peek(1) {
            let pair = String(decoding: [a, b], as: UTF8.self)
            if two.contains(pair) {
                advance()
                advance()
                return pair
            }
        }
        let byte = source[index]
        guard "(){}[]:,=<>+-*\\%&|^~.".utf8.contains(byte) else {
            let shown = byte >= 0x20 && byte < 0x7F ? "'\(UnicodeScalar(byte))'" : "byte 0x\(String(byte, radix: 16))"
            throw error("unexpected \(shown)", line: line, column: column)
        }
        advance()
        return String(UnicodeScalar(byte))
    }
}

extension UInt8 {
    fileprivate var isIdentifierStart: Bool { ASCII.isLetter(self) || self == 0x5F }
    fileprivate var isDigit: Bool { ASCII.isDigit(self) }
}

extension String {
    /// Tabs as single spaces, so that a caret under a column lines up.
    fileprivate func replacingTabs() -> String { String(map { $0 == "\t" ? " " : $0 }) }
}
