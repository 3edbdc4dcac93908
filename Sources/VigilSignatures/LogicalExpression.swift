/// The logical expression of an `.ldb` line, parsed the way clamscan parses it (`cli_ac_chklsig`).
///
/// clamscan splits the text rather than applying precedence: at the top level it splits at the first `&`
/// or `|` (so `0&1|2` is `0&(1|2)`), inside a parenthesised group at the last one (so `(0&1|2)` is
/// `((0&1)|2)`). Vigil builds the same tree so that every expression means what it means to clamscan.
public indirect enum LogicalExpression: Sendable, Equatable {
    /// Subsignature `index`, optionally compared with its match count (`N=X`, `N>X`, `N<X`).
    case subsignature(Int, MatchCount?)
    /// Both sides hold.
    case and(LogicalExpression, LogicalExpression)
    /// Either side holds.
    case or(LogicalExpression, LogicalExpression)
    /// `(G)=X,Y` and friends: the group's summed match count compared with `X`, and at least `distinct`
    /// (`Y`, 0 when absent) different subsignatures among its matches.
    case group(LogicalExpression, MatchCount, distinct: Int)

    /// The highest subsignature index the expression names.
    public var highestIndex: Int {
        switch self {
        case .subsignature(let n, _): n
        case .and(let a, let b), .or(let a, let b): max(a.highestIndex, b.highestIndex)
        case .group(let g, _, _): g.highestIndex
        }
    }

    /// Evaluates the expression for per-subsignature match counts, as clamscan does: the result, the summed
    /// count of the subsignatures that made it true, and the set of those subsignatures (a bit per index).
    public func evaluate(_ counts: (Int) -> Int) -> (holds: Bool, count: Int, members: UInt64) {
        switch self {
        case .subsignature(let n, let comparison):
            let c = counts(n)
            let holds = comparison.map { $0.admits(c) } ?? (c > 0)
            return holds ? (true, c, 1 << UInt64(n)) : (false, 0, 0)
        case .and(let a, let b), .or(let a, let b):
            let l = a.evaluate(counts)
            let r = b.evaluate(counts)
            let holds: Bool
            if case .and = self { holds = l.holds && r.holds } else { holds = l.holds || r.holds }
            guard holds else { return (false, 0, 0) }
            return (true, l.count + r.count, l.members | r.members)
        case .group(let inner, let comparison, let distinct):
            let g = inner.evaluate(counts)
            let count = g.holds ? g.count : 0
            let members = g.holds ? g.members : 0
            guard comparison.admits(count), distinct == 0 || members.nonzeroBitCount >= distinct else {
                return (false, 0, 0)
            }
            return (true, count, 0)
        }
    }

    /// Parses expression text; `location.column` is its first column.
    static func parse(_ text: Substring, at location: SourceLocation, line: String) throws(SignatureError)
        -> LogicalExpression
    {
        let bytes = Array(text.utf8)
        return try LogicalExpressionParser(bytes: bytes, location: location, line: line).parse(0..<bytes.count)
    }
}

/// A comparison of a match count: `=X`, `>X` or `<X`.
public struct MatchCount: Sendable, Equatable {
    /// The comparison operator.
    public enum Relation: Sendable, Equatable { case equal, greater, less }
    /// How the count is compared.
    public var relation: Relation
    /// The value compared with.
    public var value: Int

    /// Whether `count` satisfies the comparison.
    public func admits(_ count: Int) -> Bool {
        switch relation {
        case .equal: count == value
        case .greater: count > value
        case .less: count < value
        }
    }
}

/// Replicates `cli_ac_chklsig`'s recursive splitting over byte ranges of the expression.
private struct LogicalExpressionParser {
    let bytes: [UInt8]
    let location: SourceLocation
    let line: String

    static let open = UInt8(ascii: "("), close = UInt8(ascii: ")")
    static let and = UInt8(ascii: "&"), or = UInt8(ascii: "|")

    func error(_ message: String, at offset: Int) -> SignatureError {
        var at = location
        at.column = (location.column ?? 1) + offset
        return SignatureError(.malformed, message, at: at, excerpt: line)
    }

    func isOperator(_ b: UInt8) -> Bool { b == Self.and || b == Self.or }

    func parse(_ range: Range<Int>) throws(SignatureError) -> LogicalExpression {
        guard !range.isEmpty else { throw error("missing operand in the logical expression", at: range.lowerBound) }
        var depth = 0
        var firstAtDepth1: Int?
        for i in range {
            switch bytes[i] {
            case Self.open: depth += 1
            case Self.close:
                depth -= 1
                if depth < 0 { throw error("unbalanced ')' in the logical expression", at: i) }
            case let b where isOperator(b):
                if depth == 0 { return combine(b, try parse(range.lowerBound..<i), try parse((i + 1)..<range.upperBound)) }
                if depth == 1, firstAtDepth1 == nil { firstAtDepth1 = i }
            default: break
            }
        }
        if depth != 0 { throw error("unbalanced '(' in the logical expression", at: range.lowerBound) }
        if bytes[range.lowerBound] == Self.open {
            let closing = try matchingParenthesis(range)
            if firstAtDepth1 != nil {
                return try group(range, closing: closing)
            }
            guard closing == range.upperBound - 1 else {
                throw error("a count applies only to a group of two or more subsignatures", at: closing + 1)
            }
            return try parse((range.lowerBound + 1)..<closing)
        }
        return try leaf(range)
    }

    func combine(_ op: UInt8, _ a: LogicalExpression, _ b: LogicalExpression) -> LogicalExpression {
        op == Self.and ? .and(a, b) : .or(a, b)
    }

    func matchingParenthesis(_ range: Range<Int>) throws(SignatureError) -> Int {
        var depth = 0
        for i in range {
            if bytes[i] == Self.open { depth += 1 }
            if bytes[i] == Self.close {
                depth -= 1
                if depth == 0 { return i }
            }
        }
        throw error("unbalanced '(' in the logical expression", at: range.lowerBound)
    }

    /// `( ... )` with an operator inside, split at its last top-level operator, and an optional count after.
    func group(_ range: Range<Int>, closing: Int) throws(SignatureError) -> LogicalExpression {
        let inner = (range.lowerBound + 1)..<closing
        var depth = 0
        var split: Int?
        for i in inner {
            switch bytes[i] {
            case Self.open: depth += 1
            case Self.close: depth -= 1
            case let b where isOperator(b) && depth == 0: split = i
            default: break
            }
        }
        guard let split else { throw error("malformed group in the logical expression", at: range.lowerBound) }
        let node = combine(bytes[split], try parse(inner.lowerBound..<split), try parse((split + 1)..<inner.upperBound))
        let tail = (closing + 1)..<range.upperBound
        guard !tail.isEmpty else { return node }
        let (count, distinct) = try countSuffix(tail)
        return .group(node, count, distinct: distinct)
    }

    /// `=X`, `>X,Y`, … filling `range` exactly.
    func countSuffix(_ range: Range<Int>) throws(SignatureError) -> (MatchCount, Int) {
        guard let relation = relation(bytes[range.lowerBound]) else {
            throw error("expected '=', '>' or '<' after ')'", at: range.lowerBound)
        }
        var i = range.lowerBound + 1
        let value = try number(&i, in: range)
        var distinct = 0
        if i < range.upperBound, bytes[i] == UInt8(ascii: ",") {
            i += 1
            distinct = try number(&i, in: range)
        }
        guard i == range.upperBound else { throw error("unexpected text after a count", at: i) }
        return (MatchCount(relation: relation, value: value), distinct)
    }

    /// A subsignature index with an optional count; like clamscan, the last `=`, `>` or `<` names the count
    /// and a `,Y` after a single subsignature's count is read but has no effect.
    func leaf(_ range: Range<Int>) throws(SignatureError) -> LogicalExpression {
        var i = range.lowerBound
        while i < range.upperBound, bytes[i] == UInt8(ascii: " ") { i += 1 }
        let index = try number(&i, in: range)
        guard index < 64 else { throw error("subsignature index \(index) is above 63", at: range.lowerBound) }
        guard let last = range.last(where: { relation(bytes[$0]) != nil }) else { return .subsignature(index, nil) }
        var j = last + 1
        let value = try number(&j, in: range)
        return .subsignature(index, MatchCount(relation: relation(bytes[last])!, value: value))
    }

    func relation(_ b: UInt8) -> MatchCount.Relation? {
        switch b {
        case UInt8(ascii: "="): .equal
        case UInt8(ascii: ">"): .greater
        case UInt8(ascii: "<"): .less
        default: nil
        }
    }

    func number(_ i: inout Int, in range: Range<Int>) throws(SignatureError) -> Int {
        let start = i
        var value = 0
        while i < range.upperBound, (48...57).contains(bytes[i]), i - start < 9 {
            value = value * 10 + Int(bytes[i] - 48)
            i += 1
        }
        guard i > start else { throw error("expected a number in the logical expression", at: start) }
        return value
    }
}
