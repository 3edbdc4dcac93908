/// String declarations: text, hex and regex patterns and their modifiers, with libyara's rules on which modifiers a
/// kind of string takes and which combine.
extension YaraParser {
    /// libyara's limit on a jump inside an alternation.
    static let maximumJumpInAlternation = 200

    mutating func stringDeclaration(_ identifier: String) throws(SignatureError) -> YaraStringDeclaration {
        let location = here
        try advance()
        try expect("=", hexAllowedAfter: true)
        let pattern: YaraPattern
        let allowed: Set<String>
        let patternLocation = here
        switch current.kind {
        case .text(let bytes):
            guard !bytes.isEmpty else { throw error("empty string \(identifier)") }
            pattern = .text(bytes)
            allowed = ["ascii", "wide", "nocase", "fullword", "private", "xor", "base64", "base64wide"]
        case .regex(let source, let caseless, let dotAll):
            pattern = .regex(try regex(source, caseless: caseless, dotAll: dotAll, at: patternLocation))
            allowed = ["ascii", "wide", "nocase", "fullword", "private"]
        case .hex(let body):
            var hex = HexStringParser(body: body, line: current.line, column: current.column + 1, parser: self)
            pattern = .hex(try hex.parse())
            allowed = ["private"]
        default:
            throw unexpected("a text string, hex string or regular expression")
        }
        try advance()
        let modifiers = try stringModifiers(allowed: allowed, for: pattern)
        return YaraStringDeclaration(identifier: identifier, pattern: pattern, modifiers: modifiers, location: location)
    }

    /// Parses a regular expression's source with YARA's syntax.
    func regex(_ source: [UInt8], caseless: Bool, dotAll: Bool, at location: SourceLocation)
        throws(SignatureError) -> YaraRegex
    {
        var options = RegexOptions()
        options.yara = true
        options.caseless = caseless
        options.dotAll = dotAll
        do {
            let node = try RegexNode.parse(source, options: options)
            return YaraRegex(source: source, caseless: caseless, dotAll: dotAll, node: node)
        } catch {
            // The column of the fault: past the opening slash, and an escaped slash counts two.
            var column = (location.column ?? 1) + 1
            for byte in source.prefix(error.offset) { column += byte == UInt8(ascii: "/") ? 2 : 1 }
            throw self.error(
                "invalid regular expression: \(error.message)",
                at: SourceLocation(file: location.file, line: location.line, column: column))
        }
    }

    private mutating func stringModifiers(allowed: Set<String>, for pattern: YaraPattern)
        throws(SignatureError) -> YaraStringModifiers
    {
        var modifiers = YaraStringModifiers()
        var seen: Set<String> = []
        let modifierNames: Set<String> = [
            "ascii", "wide", "nocase", "fullword", "private", "xor", "base64", "base64wide",
        ]
        while case .keyword(let word) = current.kind, modifierNames.contains(word) {
            guard allowed.contains(word) else {
                let kind =
                    switch pattern {
                    case .text: "text"
                    case .hex: "hex"
                    case .regex: "regex"
                    }
                throw error("modifier '\(word)' is not allowed on \(kind) strings")
            }
            guard seen.insert(word).inserted else { throw error("duplicated modifier '\(word)'") }
            try advance()
            switch word {
            case "ascii": modifiers.ascii = true
            case "wide": modifiers.wide = true
            case "nocase": modifiers.nocase = true
            case "fullword": modifiers.fullword = true
            case "private": modifiers.isPrivate = true
            case "xor": modifiers.xor = try xorRange()
            case "base64": modifiers.base64 = try base64Alphabet()
            default: modifiers.base64Wide = try base64Alphabet()
            }
        }
        let base64 = modifiers.base64 != nil || modifiers.base64Wide != nil
        for (a, b, together) in [
            ("xor", "nocase", modifiers.xor != nil && modifiers.nocase),
            ("base64", "nocase", base64 && modifiers.nocase),
            ("base64", "fullword", base64 && modifiers.fullword),
            ("base64", "xor", base64 && modifiers.xor != nil),
        ] where together {
            throw error("modifiers '\(a)' and '\(b)' cannot be combined")
        }
        return modifiers
    }

    /// `xor` alone (0–255), `xor(k)`, or `xor(a-b)`.
    private mutating func xorRange() throws(SignatureError) -> ClosedRange<UInt8> {
        guard current.kind == .punctuation("(") else { return 0...255 }
        try advance()
        let low = try xorKey()
        var high = low
        if current.kind == .punctuation("-") {
            try advance()
            high = try xorKey()
        }
        guard low <= high else { throw error("xor range \(low)-\(high) is upside down") }
        try expect(")")
        return low...high
    }

    private mutating func xorKey() throws(SignatureError) -> UInt8 {
        guard case .integer(let value) = current.kind else { throw unexpected("a xor key (0-255)") }
        guard let key = UInt8(exactly: value) else { throw error("xor key \(value) is not between 0 and 255") }
        try advance()
        return key
    }

    /// `base64` alone (the standard alphabet) or `base64("64 characters")`.
    private mutating func base64Alphabet() throws(SignatureError) -> [UInt8] {
        guard current.kind == .punctuation("(") else { return YaraStringModifiers.standardBase64Alphabet }
        try advance()
        guard case .text(let alphabet) = current.kind else { throw unexpected("a base64 alphabet in quotes") }
        guard alphabet.count == 64 else {
            throw error("a base64 alphabet must be 64 bytes long, not \(alphabet.count)")
        }
        try advance()
        try expect(")")
        return alphabet
    }
}

/// The inside of `{ … }`: bytes with `?` nibbles, `~` negation, jumps and alternatives, as libyara's hex grammar
/// reads them (a jump neither begins nor ends a sequence; consecutive jumps merge; inside alternatives, jumps are
/// bounded and at most 200 bytes).
struct HexStringParser {
    let body: [UInt8]
    var index = 0
    var line: Int
    var column: Int
    let parser: YaraParser
    var depth = 0

    init(body: [UInt8], line: Int, column: Int, parser: YaraParser) {
        self.body = body
        self.line = line
        self.column = column
        self.parser = parser
    }

    mutating func parse() throws(SignatureError) -> [YaraHexToken] {
        let tokens = try sequence(inAlternative: false)
        skipSpace()
        guard index == body.count else { throw fail("unexpected '\(character)' in hex string") }
        return tokens
    }

    private var character: String {
        index < body.count ? String(decoding: [body[index]], as: UTF8.self) : "end"
    }

    private func fail(_ message: String) -> SignatureError {
        parser.error(message, at: parser.lexer.location(line: line, column: column))
    }

    private mutating func step() {
        if body[index] == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private mutating func skipSpace() {
        while index < body.count, [0x20, 0x09, 0x0A, 0x0D].contains(body[index]) { step() }
    }

    private mutating func sequence(inAlternative: Bool) throws(SignatureError) -> [YaraHexToken] {
        var tokens: [YaraHexToken] = []
        while true {
            skipSpace()
            guard index < body.count else { break }
            let c = body[index]
            if c == UInt8(ascii: "|") || c == UInt8(ascii: ")") { break }
            if c == UInt8(ascii: "[") {
                guard !tokens.isEmpty else { throw fail("a hex string cannot begin with a jump") }
                let jump = try self.jump(inAlternative: inAlternative)
                if case .jump(let a, let b) = tokens.last!, case .jump(let c, let d) = jump {
                    tokens[tokens.count - 1] = .jump(minimum: a + c, maximum: b.flatMap { x in d.map { x + $0 } })
                } else {
                    tokens.append(jump)
                }
            } else if c == UInt8(ascii: "(") {
                tokens.append(try alternatives())
            } else {
                tokens.append(try byte())
            }
        }
        guard let last = tokens.last else { throw fail("empty hex string") }
        if case .jump = last { throw fail("a hex string cannot end with a jump") }
        return tokens
    }

    private mutating func byte() throws(SignatureError) -> YaraHexToken {
        var negated = false
        if body[index] == UInt8(ascii: "~") {
            negated = true
            step()
        }
        var value: UInt8 = 0
        var mask: UInt8 = 0
        for shift in [4, 0] as [UInt8] {
            // A second nibble missing: the byte is cut by the end, a space, or the next token.
            guard index < body.count, shift == 4 || !" \t\r\n|)[(".utf8.contains(body[index]) else {
                throw fail("incomplete byte in hex string")
            }
            let c = body[index]
            if c == UInt8(ascii: "?") {
                // a wildcard nibble
            } else if let v = ASCII.hexDigit(c) {
                value |= v << shift
                mask |= 0x0F << shift
            } else {
                throw fail("invalid character '\(character)' in hex string")
            }
            step()
        }
        if negated && mask == 0 { throw fail("~?? is not allowed in a hex string") }
        return .byte(value: value, mask: mask, negated: negated)
    }

    private mutating func jump(inAlternative: Bool) throws(SignatureError) -> YaraHexToken {
        step()
        skipSpace()
        func number() -> Int? {
            var value = 0
            var digits = 0
            while index < body.count, (48...57).contains(body[index]), digits < 9 {
                value = value * 10 + Int(body[index] - 48)
                digits += 1
                step()
            }
            return digits > 0 ? value : nil
        }
        let low = number()
        skipSpace()
        var high = low
        if index < body.count, body[index] == UInt8(ascii: "-") {
            step()
            skipSpace()
            high = number()
            skipSpace()
        } else if low == nil {
            throw fail("a jump needs a length")
        }
        guard index < body.count, body[index] == UInt8(ascii: "]") else { throw fail("missing ']' after a jump") }
        step()
        let minimum = low ?? 0
        if let high, high < minimum { throw fail("jump [\(minimum)-\(high)]: the upper bound is below the lower") }
        if inAlternative {
            guard let high else { throw fail("unbounded jumps are not allowed inside alternatives") }
            guard high <= YaraParser.maximumJumpInAlternation else {
                throw fail(
                    "jumps over \(YaraParser.maximumJumpInAlternation) bytes are not allowed inside alternatives")
            }
        }
        return .jump(minimum: minimum, maximum: high)
    }

    private mutating func alternatives() throws(SignatureError) -> YaraHexToken {
        step()
        depth += 1
        guard depth <= 32 else { throw fail("alternatives nested more than 32 deep") }
        var branches = [try sequence(inAlternative: true)]
        while index < body.count, body[index] == UInt8(ascii: "|") {
            step()
            branches.append(try sequence(inAlternative: true))
        }
        guard index < body.count, body[index] == UInt8(ascii: ")") else { throw fail("missing ')' in hex string") }
        step()
        depth -= 1
        return .alternatives(branches)
    }
}
