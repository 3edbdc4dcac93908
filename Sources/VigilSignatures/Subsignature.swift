/// The subsignatures of an `.ldb` line: hex patterns with offsets and modifiers, PCRE, byte comparisons and
/// macros.

/// Modifiers after `::` on a hex subsignature.
public struct SubsignatureModifiers: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    /// Creates modifiers from raw bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `i`: ASCII letters match either case.
    public static let nocase = SubsignatureModifiers(rawValue: 1)
    /// `w`: the pattern as UTF-16LE (each byte followed by 0x00).
    public static let wide = SubsignatureModifiers(rawValue: 2)
    /// `f`: the match must be a whole word.
    public static let fullword = SubsignatureModifiers(rawValue: 4)
    /// `a`: with `w`, match the plain (ASCII) form too.
    public static let ascii = SubsignatureModifiers(rawValue: 8)
}

/// A hex subsignature: `[OFFSET:]HEX[::MODIFIERS]`.
public struct HexSubsignature: Sendable, Equatable {
    /// Where the pattern may start.
    public var offset: BodyOffset
    /// The pattern.
    public var pattern: HexPattern
    /// The modifiers.
    public var modifiers: SubsignatureModifiers
}

/// A PCRE subsignature: `[OFFSET:]TRIGGER/PATTERN/[FLAGS]`.
public struct PCRESubsignature: Sendable, Equatable {
    /// Where the search starts (and, with a shift, how far a match may start).
    public var offset: BodyOffset
    /// The expression over earlier subsignatures that must hold before the pattern runs.
    public var trigger: LogicalExpression
    /// The parsed pattern.
    public var pattern: RegexNode
    /// `g`: count every non-overlapping match, not only the first.
    public var global: Bool
    /// `r`: with an exact offset, search from it rather than match exactly there.
    public var rolling: Bool
    /// `e`: with a shift, the whole match must lie inside the window.
    public var encompass: Bool
    /// `A`: the match must start where the search starts.
    public var anchored: Bool
}

/// A macro subsignature `${MIN-MAX}GROUP$`: the previous subsignature counts a match only when a member of
/// macro group `GROUP` (an `.ndb` signature with offset `$GROUP$`) starts `MIN` to `MAX` bytes after it.
public struct MacroSubsignature: Sendable, Equatable {
    /// The least distance from the previous subsignature's start to the member's start.
    public var minimum: Int
    /// The greatest distance (clamscan does not check that it is at least `minimum`).
    public var maximum: Int
    /// The macro group, below 32.
    public var group: Int
}

/// One subsignature of a logical signature.
public enum Subsignature: Sendable, Equatable {
    /// A hex pattern.
    case hex(HexSubsignature)
    /// A regular expression.
    case pcre(PCRESubsignature)
    /// A number read near another subsignature's match, compared with constants.
    case byteComparison(ByteComparison)
    /// A distance constraint on the previous subsignature.
    case macro(MacroSubsignature)

    /// Where the subsignature may match.
    public var offset: BodyOffset {
        switch self {
        case .hex(let hex): hex.offset
        case .pcre(let pcre): pcre.offset
        case .byteComparison, .macro: .any
        }
    }

    /// Parses subsignature `index`'s text; `location.column` is its first column.
    static func parse(_ text: Substring, index: Int, at location: SourceLocation, line: String)
        throws(SignatureError) -> Subsignature
    {
        func at(_ offset: Int) -> SourceLocation {
            var l = location
            l.column = (location.column ?? 1) + offset
            return l
        }
        guard !text.isEmpty else { throw SignatureError(.malformed, "empty subsignature", at: location, excerpt: line) }
        if text.hasPrefix("$") { return .macro(try MacroSubsignature.parse(text, at: location, line: line)) }
        if text.contains("/") {
            return .pcre(try PCRESubsignature.parse(text, index: index, at: location, line: line))
        }
        if text.contains("("), text.filter({ $0 == "#" }).count >= 2 {
            return .byteComparison(try ByteComparison.parse(text, at: location, line: line))
        }
        var body = text
        var modifiers: SubsignatureModifiers = []
        if let range = text.firstRange(of: "::") {
            body = text[..<range.lowerBound]
            let column = text.distance(from: text.startIndex, to: range.upperBound)
            for (i, c) in text[range.upperBound...].enumerated() {
                switch c {
                case "i": modifiers.insert(.nocase)
                case "w": modifiers.insert(.wide)
                case "f": modifiers.insert(.fullword)
                case "a": modifiers.insert(.ascii)
                default:
                    throw SignatureError(.malformed, "unknown subsignature modifier '\(c)'", at: at(column + i),
                        excerpt: line)
                }
            }
        }
        var offset = BodyOffset.any
        var patternColumn = 0
        if let colon = body.firstIndex(of: ":") {
            offset = try BodyOffset.parse(body[..<colon], at: location, line: line)
            patternColumn = body.distance(from: body.startIndex, to: colon) + 1
            body = body[body.index(after: colon)...]
        }
        let pattern = try HexPattern.parse(body, at: at(patternColumn), line: line)
        return .hex(HexSubsignature(offset: offset, pattern: pattern, modifiers: modifiers))
    }
}

extension MacroSubsignature {
    /// Parses `${MIN-MAX}GROUP$` (both bounds required, as clamscan's `sscanf` pattern).
    static func parse(_ text: Substring, at location: SourceLocation, line: String) throws(SignatureError)
        -> MacroSubsignature
    {
        func malformed(_ message: String) -> SignatureError {
            SignatureError(.malformed, message, at: location, excerpt: line)
        }
        guard text.count > 1, text.hasSuffix("$") else { throw malformed("macro subsignature is missing the '$' terminator") }
        func number(_ digits: Substring) -> Int? { ASCII.decimal(digits.utf8, maxDigits: 9) }
        let body = text.dropFirst().dropLast()
        guard body.hasPrefix("{"), let close = body.firstIndex(of: "}"), let dash = body[..<close].firstIndex(of: "-"),
            let minimum = number(body[body.index(after: body.startIndex)..<dash]),
            let maximum = number(body[body.index(after: dash)..<close]),
            let group = number(body[body.index(after: close)...])
        else { throw malformed("expected a macro subsignature ${MIN-MAX}GROUP$") }
        guard group < 32 else { throw malformed("macro group \(group) is out of range (at most 31)") }
        return MacroSubsignature(minimum: minimum, maximum: maximum, group: group)
    }
}

extension PCRESubsignature {
    /// Parses `[OFFSET:]TRIGGER/PATTERN/[FLAGS][::MODIFIERS]`.
    static func parse(_ text: Substring, index: Int, at location: SourceLocation, line: String)
        throws(SignatureError) -> PCRESubsignature
    {
        func at(_ i: Substring.Index) -> SourceLocation {
            var l = location
            l.column = (location.column ?? 1) + text.distance(from: text.startIndex, to: i)
            return l
        }
        func malformed(_ message: String, _ i: Substring.Index) -> SignatureError {
            SignatureError(.malformed, message, at: at(i), excerpt: line)
        }
        let open = text.firstIndex(of: "/")!
        let close = text.lastIndex(of: "/")!
        guard close > open else { throw malformed("PCRE subsignature needs a closing '/'", open) }
        var head = text[..<open]
        var offset = BodyOffset.any
        if let colon = head.firstIndex(of: ":") {
            offset = try BodyOffset.parse(head[..<colon], at: at(head.startIndex), line: line)
            if case .at(.versionInfo, _, _) = offset {
                throw SignatureError(.unsupported, "offset 'VI' on a PCRE subsignature is not supported",
                    at: at(head.startIndex), excerpt: line)
            }
            head = head[head.index(after: colon)...]
        }
        guard !head.isEmpty else { throw malformed("PCRE subsignature must start with a logical trigger", head.startIndex) }
        let trigger = try LogicalExpression.parse(head, at: at(head.startIndex), line: line)
        guard trigger.highestIndex < index else {
            throw malformed(trigger.highestIndex == index
                ? "PCRE trigger refers to its own subsignature" : "PCRE trigger refers to a later subsignature",
                head.startIndex)
        }
        let body = text[text.index(after: open)..<close]
        guard !body.isEmpty else { throw malformed("empty PCRE pattern", open) }
        var options = RegexOptions()
        var result = PCRESubsignature(offset: offset, trigger: trigger, pattern: .empty, global: false,
            rolling: false, encompass: false, anchored: false)
        var flags = text[text.index(after: close)...]
        if let modifiers = flags.firstRange(of: "::") {
            for c in flags[modifiers.upperBound...] {
                switch c {
                case "i": options.caseless = true
                case "w": throw malformed("the wide modifier is not supported for PCRE subsignatures", modifiers.lowerBound)
                case "a": break
                default:
                    throw SignatureError(.unsupported, "modifier '\(c)' on a PCRE subsignature is not supported yet",
                        at: at(modifiers.lowerBound), excerpt: line)
                }
            }
            flags = flags[..<modifiers.lowerBound]
        }
        for i in flags.indices {
            switch flags[i] {
            case "i": options.caseless = true
            case "s": options.dotAll = true
            case "m": options.multiline = true
            case "x": options.extended = true
            case "E": options.dollarEndOnly = true
            case "U": options.ungreedy = true
            case "A": result.anchored = true
            case "g": result.global = true
            case "r": result.rolling = true
            case "e": result.encompass = true
            default: throw malformed("unknown PCRE flag '\(flags[i])'", i)
            }
        }
        do throws(RegexError) {
            result.pattern = try RegexNode.parse(Array(body.utf8), options: options)
        } catch {
            var l = at(body.startIndex)
            l.column = (l.column ?? 1) + error.offset
            throw SignatureError(error.unsupported ? .unsupported : .malformed,
                "PCRE: \(error.message)\(error.unsupported ? " yet" : "")", at: l, excerpt: line)
        }
        return result
    }
}
