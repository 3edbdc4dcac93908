/// The subsignatures of an `.ldb` line: hex patterns with offsets and modifiers, PCRE, byte comparisons
/// and macros.

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

/// One subsignature of a logical signature.
public enum Subsignature: Sendable, Equatable {
    /// A hex pattern.
    case hex(HexSubsignature)

    /// Parses subsignature text; `location.column` is its first column.
    static func parse(_ text: Substring, at location: SourceLocation, line: String) throws(SignatureError)
        -> Subsignature
    {
        func at(_ offset: Int) -> SourceLocation {
            var l = location
            l.column = (location.column ?? 1) + offset
            return l
        }
        guard !text.isEmpty else { throw SignatureError(.malformed, "empty subsignature", at: location, excerpt: line) }
        if text.hasPrefix("${") {
            throw SignatureError(.unsupported, "macro subsignatures are not supported yet", at: location, excerpt: line)
        }
        if text.contains("/") {
            throw SignatureError(.unsupported, "PCRE subsignatures are not supported yet", at: location, excerpt: line)
        }
        if text.contains("#") {
            throw SignatureError(.unsupported, "byte-compare subsignatures are not supported yet", at: location,
                excerpt: line)
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
