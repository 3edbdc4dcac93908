/// ClamAV's body-signature hex syntax: the pattern of an `.ndb` line (and later of `.ldb` subsignatures).
///
/// Reference: the ClamAV manual, "Body-based signature content format", and clamscan 1.4's loader.

/// One byte of a pattern with a mask: the byte matches `b` when `b & mask == value`.
public struct MaskedByte: Sendable, Equatable, Hashable {
    /// The required bits.
    public var value: UInt8
    /// Which bits are required: `0xFF` a literal byte, `0xF0` / `0x0F` a nibble, `0` any byte.
    public var mask: UInt8

    /// Creates a masked byte; `value` is reduced to the masked bits.
    public init(value: UInt8, mask: UInt8) {
        self.value = value & mask
        self.mask = mask
    }

    /// A literal byte.
    public static func literal(_ byte: UInt8) -> MaskedByte { MaskedByte(value: byte, mask: 0xFF) }

    /// Whether the mask fixes every bit.
    public var isLiteral: Bool { mask == 0xFF }

    /// Whether `byte` matches.
    @inline(__always) public func matches(_ byte: UInt8) -> Bool { byte & mask == value }
}

/// One element of a body pattern.
public enum HexToken: Sendable, Equatable {
    /// One byte, literal or masked (`aa`, `??`, `a?`, `?a`).
    case byte(MaskedByte)
    /// `(aa|bbcc|...)`: one of several byte strings, possibly of different lengths.
    case alternatives([[MaskedByte]])
    /// `*`, `{n}`, `{n-m}`, `{-n}`, `{n-}`: between `minimum` and `maximum` bytes (`nil`: unbounded).
    case gap(minimum: Int, maximum: Int?)
    /// `[x-y]`: between `minimum` and `maximum` (at most 32) bytes next to a single byte at either end.
    case byteRange(minimum: Int, maximum: Int)
    /// `!(aa|bb)`: byte strings of one length, none of which may occur there.
    case negatedAlternatives([[MaskedByte]])
    /// `(B)`, `(L)`, `(W)` (negated with `!`): at either end a test of the neighbouring byte, elsewhere one
    /// byte of the class.
    case boundary(BoundaryClass, negated: Bool)
}

/// The character classes of `(B)`, `(L)` and `(W)`.
public enum BoundaryClass: Sendable, Equatable {
    /// `(B)`: a word boundary by clamscan's table of punctuation and white space.
    case word
    /// `(L)`: a line boundary.
    case line
    /// `(W)`: a byte that is not an ASCII letter or digit.
    case nonAlphanumeric
}

/// A parsed body pattern.
public struct HexPattern: Sendable, Equatable {
    /// The elements in order.
    public var tokens: [HexToken]

    /// Creates a pattern from tokens.
    public init(tokens: [HexToken]) { self.tokens = tokens }

    /// Parses hex-signature text. `location.column` is the column of the text's first character.
    public static func parse(_ text: Substring, at location: SourceLocation, line: String)
        throws(SignatureError) -> HexPattern
    {
        var parser = HexPatternParser(text: Array(text.utf8), location: location, line: line)
        return try parser.parse()
    }
}

/// A recursive-descent parser over the UTF-8 of a hex signature.
struct HexPatternParser {
    let text: [UInt8]
    let location: SourceLocation
    let line: String
    var index = 0

    init(text: [UInt8], location: SourceLocation, line: String) {
        self.text = text
        self.location = location
        self.line = line
    }

    func error(_ code: SignatureError.Code, _ message: String, at offset: Int) -> SignatureError {
        var at = location
        at.column = (location.column ?? 1) + offset
        return SignatureError(code, message, at: at, excerpt: line)
    }

    mutating func parse() throws(SignatureError) -> HexPattern {
        guard !text.isEmpty else { throw error(.malformed, "empty hex signature", at: 0) }
        var tokens: [HexToken] = []
        while index < text.count {
            let c = text[index]
            switch c {
            case UInt8(ascii: "*"):
                tokens.append(.gap(minimum: 0, maximum: nil))
                index += 1
            case UInt8(ascii: "{"):
                tokens.append(try parseJump())
            case UInt8(ascii: "("):
                tokens.append(try parseGroup(negated: false))
            case UInt8(ascii: "!"):
                guard index + 1 < text.count, text[index + 1] == UInt8(ascii: "(") else {
                    throw error(.malformed, "expected '(' after '!'", at: index)
                }
                index += 1
                tokens.append(try parseGroup(negated: true))
            case UInt8(ascii: "["):
                tokens.append(try parseByteRange())
            default:
                tokens.append(.byte(try parseByte()))
            }
        }
        try validate(tokens)
        return HexPattern(tokens: tokens)
    }

    /// One hex pair, possibly with `?` nibbles.
    mutating func parseByte() throws(SignatureError) -> MaskedByte {
        guard index + 1 < text.count else {
            throw error(.malformed, "odd number of hex digits", at: index)
        }
        let (h, l) = (text[index], text[index + 1])
        let q = UInt8(ascii: "?")
        defer { index += 2 }
        switch (h == q, l == q) {
        case (true, true): return MaskedByte(value: 0, mask: 0)
        case (true, false):
            guard let low = ASCII.hexDigit(l) else { throw error(.malformed, "invalid hex digit", at: index + 1) }
            return MaskedByte(value: low, mask: 0x0F)
        case (false, true):
            guard let high = ASCII.hexDigit(h) else { throw error(.malformed, "invalid hex digit", at: index) }
            return MaskedByte(value: high << 4, mask: 0xF0)
        case (false, false):
            guard let high = ASCII.hexDigit(h) else { throw error(.malformed, "invalid hex digit", at: index) }
            guard let low = ASCII.hexDigit(l) else { throw error(.malformed, "invalid hex digit", at: index + 1) }
            return .literal(high << 4 | low)
        }
    }

    /// `{n}`, `{n-m}`, `{-n}`, `{n-}`.
    mutating func parseJump() throws(SignatureError) -> HexToken {
        let open = index
        guard let close = text[open...].firstIndex(of: UInt8(ascii: "}")) else {
            throw error(.malformed, "unterminated '{'", at: open)
        }
        let body = text[(open + 1)..<close]
        index = close + 1
        func number(_ digits: ArraySlice<UInt8>, at offset: Int) throws(SignatureError) -> Int {
            guard let n = ASCII.decimal(digits, maxDigits: 9) else {
                throw error(.malformed, "expected a decimal number in '{...}'", at: offset)
            }
            return n
        }
        guard let dash = body.firstIndex(of: UInt8(ascii: "-")) else {
            let n = try number(body, at: open + 1)
            return .gap(minimum: n, maximum: n)
        }
        let lower = body[body.startIndex..<dash]
        let upper = body[(dash + 1)...]
        switch (lower.isEmpty, upper.isEmpty) {
        case (true, true): throw error(.malformed, "'{-}' needs a bound", at: open)
        case (true, false): return .gap(minimum: 0, maximum: try number(upper, at: dash + 1))
        case (false, true): return .gap(minimum: try number(lower, at: open + 1), maximum: nil)
        case (false, false):
            let n = try number(lower, at: open + 1)
            let m = try number(upper, at: dash + 1)
            guard n <= m else {
                // clamscan loads such a signature and it never matches; Vigil says so and skips it.
                throw error(.unsupported, "jump {\(n)-\(m)} has its minimum above its maximum and never matches",
                    at: open)
            }
            return .gap(minimum: n, maximum: m)
        }
    }

    /// `(aa|bb|...)`, `!(aa|bb)`, and the classes `(B)`, `(L)`, `(W)`.
    mutating func parseGroup(negated: Bool) throws(SignatureError) -> HexToken {
        let open = index
        guard let close = text[open...].firstIndex(of: UInt8(ascii: ")")) else {
            throw error(.malformed, "unterminated '('", at: open)
        }
        let body = Array(text[(open + 1)..<close])
        if body.count == 1, let kind = [UInt8(ascii: "B"): BoundaryClass.word, UInt8(ascii: "L"): .line,
            UInt8(ascii: "W"): .nonAlphanumeric][body[0]]
        {
            index = close + 1
            return .boundary(kind, negated: negated)
        }
        var alternatives: [[MaskedByte]] = []
        var current: [MaskedByte] = []
        index = open + 1
        while index < close {
            if text[index] == UInt8(ascii: "|") {
                alternatives.append(current)
                current = []
                index += 1
                continue
            }
            guard index + 1 < close else { throw error(.malformed, "odd number of hex digits in '(...)'", at: index) }
            current.append(try parseByte())
        }
        alternatives.append(current)
        index = close + 1
        guard !alternatives.contains(where: \.isEmpty) else {
            throw error(.malformed, "empty alternative in '(...)'", at: open)
        }
        if negated {
            guard Set(alternatives.map(\.count)).count == 1 else {
                throw error(.malformed, "negated alternatives must all have the same length", at: open)
            }
            return .negatedAlternatives(alternatives)
        }
        guard alternatives.count >= 2 else { throw error(.malformed, "'(...)' needs at least two alternatives", at: open) }
        return .alternatives(alternatives)
    }

    /// `[x-y]` or `[n]`, at most 32.
    mutating func parseByteRange() throws(SignatureError) -> HexToken {
        let open = index
        guard let close = text[open...].firstIndex(of: UInt8(ascii: "]")) else {
            throw error(.malformed, "unterminated '['", at: open)
        }
        let body = text[(open + 1)..<close]
        index = close + 1
        let pieces = body.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        let numbers = pieces.map { ASCII.decimal($0, maxDigits: 2) }
        guard (1...2).contains(numbers.count), let lo = numbers.first!, let hi = numbers.last!, lo <= hi, hi <= 32
        else {
            throw error(.malformed, "'[x-y]' needs 0 <= x <= y <= 32", at: open)
        }
        return .byteRange(minimum: lo, maximum: hi)
    }

    /// The rules clamscan enforces when it adds a signature: no unbounded gap at either end, and each part
    /// between unbounded gaps holds a run of at least two fixed bytes.
    func validate(_ tokens: [HexToken]) throws(SignatureError) {
        func unbounded(_ t: HexToken) -> Bool {
            if case .gap(_, nil) = t { return true }
            return false
        }
        for (i, token) in tokens.enumerated() {
            guard case .byteRange = token else { continue }
            func single(_ j: Int) -> Bool {
                guard tokens.indices.contains(j), case .byte = tokens[j] else { return false }
                return true
            }
            // clamscan takes `aa[x-y]HEX` and `HEX[x-y]bb` only: one byte on one side, two or more on the other.
            let leading = i == 1 && single(0) && tokens.count >= 4
            let trailing = i == tokens.count - 2 && single(i + 1) && tokens.count >= 4
            guard leading || trailing else {
                throw error(.malformed, "'[x-y]' must follow a single first byte or precede a single last byte", at: 0)
            }
        }
        if let first = tokens.first, unbounded(first) {
            throw error(.malformed, "a signature cannot start with an unbounded gap", at: 0)
        }
        if let last = tokens.last, unbounded(last) {
            throw error(.malformed, "a signature cannot end with an unbounded gap", at: text.count - 1)
        }
        var run = 0
        var best = 0
        var part = 1
        for token in tokens + [.gap(minimum: 0, maximum: nil)] {
            switch token {
            case .byte(let b) where b.isLiteral:
                run += 1
                best = max(best, run)
            case .gap(_, nil):
                guard best >= 2 else {
                    throw error(.malformed, "part \(part) has no run of two fixed bytes to match on", at: 0)
                }
                part += 1
                run = 0
                best = 0
            default:
                run = 0
            }
        }
    }
}
