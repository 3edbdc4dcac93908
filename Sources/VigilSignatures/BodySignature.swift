/// An extended body signature from an `.ndb` file: `NAME:TARGET:OFFSET:HEX[:MIN_FLEVEL[:MAX_FLEVEL]]`.

/// Where in a file a body pattern must start.
public enum BodyOffset: Sendable, Equatable {
    /// `*`: anywhere.
    case any
    /// `n`: exactly at byte `n`.
    case absolute(Int)
    /// `EOF-n`: exactly `n` bytes before the end of the file.
    case fromEnd(Int)

    /// Parses an offset field; `location.column` points at the field.
    static func parse(_ text: Substring, at location: SourceLocation, line: String) throws(SignatureError)
        -> BodyOffset
    {
        func number(_ digits: Substring) -> Int? {
            guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber)
            else { return nil }
            return Int(digits)
        }
        if text == "*" { return .any }
        if let n = number(text) { return .absolute(n) }
        if text.hasPrefix("EOF-"), let n = number(text.dropFirst(4)) { return .fromEnd(n) }
        let unsupportedPrefixes = ["EP+", "EP-", "S", "SE", "SL+", "VI", "EOF-", "EOF+"]
        if text.contains(",") || unsupportedPrefixes.contains(where: { text.hasPrefix($0) }) {
            throw SignatureError(.unsupported, "offset '\(text)' is not supported yet", at: location, excerpt: line)
        }
        throw SignatureError(.malformed, "invalid offset '\(text)'", at: location, excerpt: line)
    }
}

/// A body signature: a hex pattern searched in the file's content.
public struct BodySignature: Sendable, Equatable {
    /// The name reported on a match.
    public var name: String
    /// ClamAV's target type (0: any file).
    public var target: Int
    /// Where the pattern must start.
    public var offset: BodyOffset
    /// The pattern.
    public var pattern: HexPattern

    /// Creates a signature.
    public init(name: String, target: Int, offset: BodyOffset, pattern: HexPattern) {
        self.name = name
        self.target = target
        self.offset = offset
        self.pattern = pattern
    }

    /// The target types Vigil applies so far.
    public static let supportedTargets: Set<Int> = [0]

    /// Parses one `.ndb` line; `nil` when the line's FLEVEL range excludes ``FunctionalityLevel/current``.
    public static func parse(line: Substring, at location: SourceLocation) throws(SignatureError) -> BodySignature? {
        let text = String(line)
        let fields = LineFields(line)
        func at(_ field: Int) -> SourceLocation {
            var l = location
            l.column = fields.columns[field]
            return l
        }
        guard (4...6).contains(fields.count) else {
            throw SignatureError(.malformed,
                "expected NAME:TARGET:OFFSET:HEX[:MIN_FLEVEL[:MAX_FLEVEL]], found \(fields.count) fields",
                at: location, excerpt: text)
        }
        guard !fields.values[0].isEmpty else {
            throw SignatureError(.malformed, "the signature has no name", at: at(0), excerpt: text)
        }
        guard let target = Int(fields.values[1]), target >= 0 else {
            throw SignatureError(.malformed, "invalid target type '\(fields.values[1])'", at: at(1), excerpt: text)
        }
        let minimum = try fields.level(4, in: location, line: text)
        let maximum = try fields.level(5, in: location, line: text)
        let pattern = try HexPattern.parse(fields.values[3], at: at(3), line: text)
        let offset = try BodyOffset.parse(fields.values[2], at: at(2), line: text)
        guard supportedTargets.contains(target) else {
            throw SignatureError(.unsupported, "target type \(target) is not supported yet", at: at(1), excerpt: text)
        }
        guard FunctionalityLevel.admits(minimum: minimum, maximum: maximum) else { return nil }
        return BodySignature(name: String(fields.values[0]), target: target, offset: offset, pattern: pattern)
    }
}
