/// A regular expression in the PCRE dialect ClamAV's `.ldb` PCRE subsignatures use, parsed from bytes.
///
/// Vigil's engine runs it with a Pike virtual machine, so the work is bounded by the pattern's
/// size times the input's; constructs that need backtracking (back-references, look-around, recursion)
/// are refused as unsupported.

/// Options from a PCRE subsignature's flags.
public struct RegexOptions: Sendable, Equatable {
    /// No options.
    public init() {}
    /// `i`: letters match either case.
    public var caseless = false
    /// `s`: `.` matches a line feed too.
    public var dotAll = false
    /// `m`: `^` and `$` match at line starts and ends.
    public var multiline = false
    /// `x`: white space and `#` comments outside classes are ignored.
    public var extended = false
    /// `E`: `$` matches only at the very end.
    public var dollarEndOnly = false
    /// `U`: quantifiers are lazy unless followed by `?`.
    public var ungreedy = false
    /// POSIX extended syntax (`regcomp` with `REG_EXTENDED`, as `.cdb` name patterns use): `.` matches any
    /// byte, `$` only the very end, a backslash is literal inside a class, and PCRE's additions (`(?`,
    /// letter escapes such as `\d`, a quantifier on a quantifier) are refused.
    public var posixExtended = false
    /// YARA's syntax (libyara's regex lexer): `$` matches only at the very end, `{,m}` is a quantifier with bounds
    /// up to 32767, an escaped letter without a meaning (`\k`) is the letter, and there are no POSIX classes.
    public var yara = false
}

/// A zero-width assertion.
public enum RegexAssertion: Sendable, Equatable {
    /// `^` in multiline mode.
    case lineStart
    /// `$` in multiline mode.
    case lineEnd
    /// `^`, `\A`.
    case textStart
    /// `\z`, `$` with `E`.
    case textEnd
    /// `$`, `\Z`: the end, or before a final line feed.
    case textEndOrFinalNewline
    /// `\b`.
    case wordBoundary
    /// `\B`.
    case notWordBoundary
    /// `\b` in a wide (UTF-16LE) expression: a word character is a word byte followed by a zero.
    case wideWordBoundary
    /// `\B` in a wide expression.
    case notWideWordBoundary
}

/// The parsed expression.
public indirect enum RegexNode: Sendable, Equatable {
    /// Matches the empty string.
    case empty
    /// One byte of a set.
    case bytes(ByteSet)
    /// Each in turn.
    case concatenation([RegexNode])
    /// The first that matches, in order.
    case alternation([RegexNode])
    /// `minimum` to `maximum` (`nil`: unbounded) repetitions.
    case repetition(RegexNode, minimum: Int, maximum: Int?, greedy: Bool)
    /// A zero-width test.
    case assertion(RegexAssertion)
}

/// Why a pattern was refused, and where (a byte offset into the pattern).
public struct RegexError: Error, Sendable, Equatable {
    /// What is wrong.
    public var message: String
    /// The offset of the fault in the pattern.
    public var offset: Int
    /// Whether the pattern is valid PCRE that Vigil does not run (rather than invalid).
    public var unsupported: Bool

    /// Creates an error.
    public init(message: String, offset: Int, unsupported: Bool) {
        self.message = message
        self.offset = offset
        self.unsupported = unsupported
    }
}

/// A recursive-descent parser over the pattern's bytes.
struct RegexParser {
    let pattern: [UInt8]
    let options: RegexOptions
    var index = 0
    var depth = 0

    init(_ pattern: [UInt8], options: RegexOptions) {
        self.pattern = pattern
        self.options = options
    }

    static func parse(_ pattern: [UInt8], options: RegexOptions) throws(RegexError) -> RegexNode {
        var parser = RegexParser(pattern, options: options)
        let node = try parser.alternation()
        if parser.index < pattern.count { throw parser.fail("unbalanced ')'") }
        return node
    }

    func fail(_ message: String, unsupported: Bool = false) -> RegexError {
        RegexError(message: message, offset: index, unsupported: unsupported)
    }

    var atEnd: Bool { index >= pattern.count }
    var current: UInt8 { pattern[index] }

    mutating func alternation() throws(RegexError) -> RegexNode {
        var branches = [try concatenation()]
        while !atEnd, current == UInt8(ascii: "|") {
            index += 1
            branches.append(try concatenation())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    mutating func concatenation() throws(RegexError) -> RegexNode {
        var items: [RegexNode] = []
        while !atEnd, current != UInt8(ascii: "|"), current != UInt8(ascii: ")") {
            if options.extended, skipExtendedSpace() { continue }
            let atom = try self.atom()
            items.append(try quantified(atom))
        }
        return items.count == 1 ? items[0] : (items.isEmpty ? .empty : .concatenation(items))
    }

    /// In `x` mode: skips white space or a `#` comment; returns whether it skipped anything.
    mutating func skipExtendedSpace() -> Bool {
        if [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C].contains(current) {
            index += 1
            return true
        }
        if current == UInt8(ascii: "#") {
            while !atEnd, current != 0x0A { index += 1 }
            return true
        }
        return false
    }

    mutating func quantified(_ atom: RegexNode) throws(RegexError) -> RegexNode {
        var node = atom
        while !atEnd {
            let start = index
            var minimum: Int
            var maximum: Int?
            switch current {
            case UInt8(ascii: "*"):
                (minimum, maximum) = (0, nil)
                index += 1
            case UInt8(ascii: "+"):
                (minimum, maximum) = (1, nil)
                index += 1
            case UInt8(ascii: "?"):
                (minimum, maximum) = (0, 1)
                index += 1
            case UInt8(ascii: "{"):
                guard let bounds = braceBounds() else { return node }  // a literal '{', as in PCRE
                (minimum, maximum) = bounds
            default: return node
            }
            if case .assertion = node {
                throw RegexError(message: "quantifier after an assertion", offset: start, unsupported: false)
            }
            let largest = options.yara ? 32767 : 1000
            guard minimum <= largest, (maximum ?? 0) <= largest, minimum <= (maximum ?? minimum) else {
                throw RegexError(
                    message: "repetition bounds above \(largest) or inverted", offset: start, unsupported: !options.yara
                )
            }
            var greedy = !options.ungreedy
            if options.posixExtended, !atEnd,
                [
                    UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"),
                    UInt8(ascii: "{"),
                ].contains(current)
            {
                throw fail("a quantifier cannot follow a quantifier in a POSIX regular expression")
            }
            if !atEnd, current == UInt8(ascii: "?") {
                greedy.toggle()
                index += 1
            } else if !atEnd, current == UInt8(ascii: "+") {
                index += 1  // possessive: the same matches for the searches Vigil runs (see COMPATIBILITY.md)
            }
            node = .repetition(node, minimum: minimum, maximum: maximum, greedy: greedy)
        }
        return node
    }

    /// `{n}`, `{n,}`, `{n,m}` at `index`; `nil` (and nothing consumed) if the text is not a quantifier.
    mutating func braceBounds() -> (Int, Int?)? {
        var i = index + 1
        func number() -> Int? {
            let start = i
            var value = 0
            while i < pattern.count, (48...57).contains(pattern[i]), i - start < 6 {
                value = value * 10 + Int(pattern[i] - 48)
                i += 1
            }
            return i > start ? value : nil
        }
        // libyara's lexer allows spaces around the comma (`{1 , 2}`).
        func spaces() { while options.yara, i < pattern.count, pattern[i] == 0x20 { i += 1 } }
        let lo = number()
        spaces()
        guard let lo = lo ?? (options.yara && i < pattern.count && pattern[i] == UInt8(ascii: ",") ? 0 : nil)
        else { return nil }
        var hi: Int? = lo
        if i < pattern.count, pattern[i] == UInt8(ascii: ",") {
            i += 1
            spaces()
            hi = number()
        }
        guard i < pattern.count, pattern[i] == UInt8(ascii: "}") else { return nil }
        index = i + 1
        return (lo, hi)
    }

    mutating func atom() throws(RegexError) -> RegexNode {
        let c = current
        index += 1
        switch c {
        case UInt8(ascii: "("):
            if !atEnd, current == UInt8(ascii: "?") {
                if options.posixExtended { throw fail("'(?' is not POSIX syntax") }
                guard index + 1 < pattern.count, pattern[index + 1] == UInt8(ascii: ":") else {
                    throw fail("group construct '(?' other than '(?:' is not supported", unsupported: true)
                }
                index += 2
            }
            depth += 1
            guard depth <= 100 else { throw fail("groups nested deeper than 100", unsupported: true) }
            let inner = try alternation()
            depth -= 1
            guard !atEnd, current == UInt8(ascii: ")") else { throw fail("missing ')'") }
            index += 1
            return inner
        case UInt8(ascii: "["): return .bytes(try characterClass())
        case UInt8(ascii: "."): return .bytes(ByteSet { options.dotAll || options.posixExtended || $0 != 0x0A })
        case UInt8(ascii: "^"): return .assertion(options.multiline ? .lineStart : .textStart)
        case UInt8(ascii: "$"):
            if options.multiline { return .assertion(.lineEnd) }
            return .assertion(
                options.dollarEndOnly || options.posixExtended || options.yara ? .textEnd : .textEndOrFinalNewline)
        case UInt8(ascii: "\\"): return try escape(inClass: false).node
        case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"): throw fail("quantifier without an operand")
        default: return .bytes(literal(c))
        }
    }

    func literal(_ c: UInt8) -> ByteSet {
        guard options.caseless, ASCII.isLetter(c) else { return ByteSet { $0 == c } }
        return ByteSet { $0 | 0x20 == c | 0x20 }
    }

    /// An escape after `\`: a single byte (usable in a class range) or a node.
    mutating func escape(inClass: Bool) throws(RegexError) -> (node: RegexNode, byte: UInt8?) {
        guard !atEnd else { throw fail("pattern ends with '\\'") }
        let c = current
        index += 1
        if options.posixExtended {
            guard !ASCII.isAlphanumeric(c) else {
                throw RegexError(
                    message: "escape '\\\(Character(Unicode.Scalar(c)))' has no POSIX meaning",
                    offset: index - 2, unsupported: true)
            }
            return (.bytes(literal(c)), c)
        }
        func byte(_ b: UInt8) -> (RegexNode, UInt8?) { (.bytes(literal(b)), b) }
        if options.yara, !"dDwWsSnrtfax".utf8.contains(c), inClass || !"bB".utf8.contains(c) { return byte(c) }
        switch c {
        case UInt8(ascii: "d"): return (.bytes(ByteSet { (48...57).contains($0) }), nil)
        case UInt8(ascii: "D"): return (.bytes(ByteSet { !(48...57).contains($0) }), nil)
        case UInt8(ascii: "w"): return (.bytes(ByteSet(ASCII.isWordByte)), nil)
        case UInt8(ascii: "W"): return (.bytes(ByteSet { !ASCII.isWordByte($0) }), nil)
        case UInt8(ascii: "s"): return (.bytes(ByteSet(ASCII.isSpace)), nil)
        case UInt8(ascii: "S"): return (.bytes(ByteSet { !ASCII.isSpace($0) }), nil)
        case UInt8(ascii: "n"): return byte(0x0A)
        case UInt8(ascii: "r"): return byte(0x0D)
        case UInt8(ascii: "t"): return byte(0x09)
        case UInt8(ascii: "f"): return byte(0x0C)
        case UInt8(ascii: "v"): return byte(0x0B)
        case UInt8(ascii: "e"): return byte(0x1B)
        case UInt8(ascii: "a"): return byte(0x07)
        case UInt8(ascii: "0"): return byte(0)
        case UInt8(ascii: "x"):
            var value = 0
            var digits = 0
            while digits < 2, !atEnd, let v = ASCII.hexDigit(current) {
                value = value * 16 + Int(v)
                index += 1
                digits += 1
            }
            return byte(UInt8(value))
        case UInt8(ascii: "b") where !inClass: return (.assertion(.wordBoundary), nil)
        case UInt8(ascii: "B") where !inClass: return (.assertion(.notWordBoundary), nil)
        case UInt8(ascii: "A") where !inClass: return (.assertion(.textStart), nil)
        case UInt8(ascii: "z") where !inClass: return (.assertion(.textEnd), nil)
        case UInt8(ascii: "Z") where !inClass: return (.assertion(.textEndOrFinalNewline), nil)
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            throw RegexError(message: "back-references are not supported", offset: index - 2, unsupported: true)
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            throw RegexError(
                message: "escape '\\\(Character(Unicode.Scalar(c)))' is not supported", offset: index - 2,
                unsupported: true)
        default: return byte(c)
        }
    }

    /// `[...]` after the `[`.
    mutating func characterClass() throws(RegexError) -> ByteSet {
        var negated = false
        if !atEnd, current == UInt8(ascii: "^") {
            negated = true
            index += 1
        }
        var members = ByteSet { _ in false }
        var first = true
        while true {
            guard !atEnd else { throw fail("missing ']'") }
            if current == UInt8(ascii: "]") && !first {
                index += 1
                break
            }
            first = false
            if current == UInt8(ascii: "["), index + 1 < pattern.count, pattern[index + 1] == UInt8(ascii: ":"),
                !options.yara
            {
                members = members.union(try posixClass())
                continue
            }
            var low: UInt8?
            if current == UInt8(ascii: "\\"), !options.posixExtended {
                index += 1
                let (node, byte) = try escape(inClass: true)
                guard let byte else {
                    if case .bytes(let set) = node { members = members.union(set) }
                    continue
                }
                low = byte
            } else {
                low = current
                index += 1
            }
            guard let lo = low else { continue }
            if index + 1 < pattern.count, current == UInt8(ascii: "-"), pattern[index + 1] != UInt8(ascii: "]") {
                index += 1
                var hi = current
                index += 1
                if hi == UInt8(ascii: "\\"), !options.posixExtended {
                    guard let b = try escape(inClass: true).byte else { throw fail("invalid range in a class") }
                    hi = b
                }
                guard lo <= hi else { throw fail("range out of order in a class") }
                members = members.union(ByteSet { (lo...hi).contains($0) })
                if options.caseless {
                    members = members.union(ByteSet { b in (lo...hi).contains(b ^ 0x20) && ASCII.isLetter(b) })
                }
            } else {
                members = members.union(literal(lo))
            }
        }
        return negated ? members.inverted : members
    }

    /// `[:name:]` inside a class.
    mutating func posixClass() throws(RegexError) -> ByteSet {
        guard let end = pattern[index...].firstIndex(of: UInt8(ascii: "]")), end > index + 3,
            pattern[end - 1] == UInt8(ascii: ":")
        else { throw fail("malformed POSIX class") }
        let name = String(decoding: pattern[(index + 2)..<(end - 1)], as: UTF8.self)
        index = end + 1
        let set: ByteSet
        switch name {
        case "alpha": set = ByteSet(ASCII.isLetter)
        case "digit": set = ByteSet { (48...57).contains($0) }
        case "alnum": set = ByteSet(ASCII.isAlphanumeric)
        case "upper": set = options.caseless ? ByteSet(ASCII.isLetter) : ByteSet { (65...90).contains($0) }
        case "lower": set = options.caseless ? ByteSet(ASCII.isLetter) : ByteSet { (97...122).contains($0) }
        case "space": set = ByteSet(ASCII.isSpace)
        case "xdigit": set = ByteSet { ASCII.hexDigit($0) != nil }
        case "punct": set = ByteSet { (33...126).contains($0) && !ASCII.isAlphanumeric($0) }
        case "print": set = ByteSet { (32...126).contains($0) }
        case "graph": set = ByteSet { (33...126).contains($0) }
        case "cntrl": set = ByteSet { $0 < 32 || $0 == 127 }
        case "blank": set = ByteSet { $0 == 0x20 || $0 == 0x09 }
        case "word": set = ByteSet(ASCII.isWordByte)
        default: throw fail("unknown POSIX class '\(name)'")
        }
        return set
    }
}

extension RegexNode {
    /// Parses a PCRE pattern's bytes (between the slashes) under `options`.
    public static func parse(_ pattern: [UInt8], options: RegexOptions) throws(RegexError) -> RegexNode {
        try RegexParser.parse(pattern, options: options)
    }
}
