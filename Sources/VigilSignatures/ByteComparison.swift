/// A byte-compare subsignature of an `.ldb` line: `R(>>OFFSET#OPTIONS LENGTH#COMPARISONS)` reads a number
/// near the last match of subsignature `R` and compares it (ClamAV's `cli_bcomp_addpatt`).
public struct ByteComparison: Sendable, Equatable {
    /// How the bytes are read.
    public enum Encoding: Sendable, Equatable {
        /// `h`: hexadecimal digits.
        case hex
        /// `d`: decimal digits (optionally signed).
        case decimal
        /// `a`: hexadecimal after `0x`, else decimal.
        case automatic
        /// `i`: a binary integer of 1, 2, 4 or 8 bytes.
        case binary
    }

    /// One comparison of the value read.
    public struct Comparison: Sendable, Equatable {
        /// `<`, `>` or `=`.
        public var relation: MatchCount.Relation
        /// The value compared with (a C `strtoll` base-0 literal: `0x..` hex, `0..` octal).
        public var value: Int64
    }

    /// The subsignature whose last match the offset counts from.
    public var reference: Int
    /// Bytes from the start of that match (negative: before it).
    public var offset: Int
    /// How the bytes are read.
    public var encoding: Encoding
    /// Whether the number is little-endian (`l`), big-endian (`b`), or unstated (`nil`: never matches, except
    /// for decimal, which is big-endian).
    public var littleEndian: Bool?
    /// `e`: the whole length must be the number.
    public var exact: Bool
    /// How many bytes are read.
    public var length: Int
    /// One or two comparisons; all must hold.
    public var comparisons: [Comparison]

    /// Parses `R(...)`; `location.column` is the first column.
    static func parse(_ text: Substring, at location: SourceLocation, line: String) throws(SignatureError)
        -> ByteComparison
    {
        func fail(_ message: String) -> SignatureError {
            SignatureError(.malformed, "byte compare: \(message)", at: location, excerpt: line)
        }
        guard let open = text.firstIndex(of: "("), text.last == ")" else { throw fail("expected R(OFFSET#OPTIONS#COMPARISONS)") }
        guard let reference = Int(text[..<open]), (0...64).contains(reference) else {
            throw fail("invalid subsignature reference '\(text[..<open])'")
        }
        let fields = text[text.index(after: open)..<text.index(before: text.endIndex)].split(
            separator: "#", omittingEmptySubsequences: false)
        guard fields.count == 3 else { throw fail("expected three '#'-separated fields") }
        var result = ByteComparison(reference: reference, offset: 0, encoding: .decimal, littleEndian: nil,
            exact: false, length: 0, comparisons: [])
        let offset = fields[0]
        if offset.hasPrefix(">>") || offset.hasPrefix("<<") {
            guard let n = cInteger(offset.dropFirst(2)), n >= 0, n < Int64(Int32.max) else {
                throw fail("invalid offset '\(offset)'")
            }
            result.offset = offset.hasPrefix(">>") ? Int(n) : -Int(n)
        } else if !(offset.isEmpty || offset.allSatisfy({ $0 == "0" })) {
            throw fail("offset must be >>N or <<N")
        }
        var encoding: Encoding?
        var options = fields[1]
        while let c = options.first, c.isLetter {
            options.removeFirst()
            func set(_ e: Encoding) throws(SignatureError) {
                guard encoding == nil else { throw fail("more than one of h, d, a, i") }
                encoding = e
            }
            switch c {
            case "h": try set(.hex)
            case "d": try set(.decimal)
            case "a": try set(.automatic)
            case "i": try set(.binary)
            case "l", "b":
                guard result.littleEndian == nil else { throw fail("both l and b") }
                result.littleEndian = c == "l"
            case "e": result.exact = true
            default: throw fail("unknown option '\(c)'")
            }
        }
        guard let encoding else { throw fail("one of h, d, a, i is required") }
        result.encoding = encoding
        if encoding == .decimal, result.littleEndian == true { throw fail("decimal is big-endian only") }
        guard let length = cInteger(options), length > 0 else { throw fail("invalid length '\(options)'") }
        switch encoding {
        case .binary where ![1, 2, 4, 8].contains(length): throw fail("binary length must be 1, 2, 4 or 8")
        case .hex where length > 18: throw fail("hex length is at most 18")
        default: if length > 1 << 20 { throw fail("length too large") }
        }
        result.length = Int(length)
        let comparisons = fields[2].split(separator: ",", omittingEmptySubsequences: false)
        guard (1...2).contains(comparisons.count) else { throw fail("one or two comparisons") }
        for comparison in comparisons {
            let relation: MatchCount.Relation
            switch comparison.first {
            case "<": relation = .less
            case ">": relation = .greater
            case "=": relation = .equal
            default: throw fail("comparison must start with <, > or =")
            }
            guard let value = cInteger(comparison.dropFirst()) else { throw fail("invalid value '\(comparison)'") }
            result.comparisons.append(Comparison(relation: relation, value: value))
        }
        return result
    }
}

/// A C `strtoll(…, 0)` literal filling all of `text`: optional sign, then `0x` hex, leading-`0` octal, or
/// decimal; `nil` when malformed or out of range.
func cInteger(_ text: Substring) -> Int64? {
    var digits = Substring(text)
    var negative = false
    if let sign = digits.first, sign == "-" || sign == "+" {
        negative = sign == "-"
        digits.removeFirst()
    }
    var radix: Int64 = 10
    if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
        radix = 16
        digits = digits.dropFirst(2)
    } else if digits.count > 1, digits.first == "0" {
        radix = 8
        digits = digits.dropFirst()
    }
    guard !digits.isEmpty else { return nil }
    var value: Int64 = 0
    for c in digits.utf8 {
        guard let d = ASCII.hexDigit(c), Int64(d) < radix else { return nil }
        let (m, o1) = value.multipliedReportingOverflow(by: radix)
        let (s, o2) = m.addingReportingOverflow(Int64(d))
        guard !o1, !o2 else { return nil }
        value = s
    }
    return negative ? -value : value
}
