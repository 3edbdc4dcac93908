/// An extended body signature from an `.ndb` file: `NAME:TARGET:OFFSET:HEX[:MIN_FLEVEL[:MAX_FLEVEL]]`.

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
    /// With offset `$GROUP$`: the macro group the signature belongs to. Such a signature is never reported; its
    /// matches serve the macro subsignatures of logical signatures (``MacroSubsignature``).
    public var macroGroup: Int?
    /// The line it was parsed from: a compiled database keeps it, and parses it again only when the signature
    /// is first needed.
    public var source: String

    /// Creates a signature.
    public init(name: String, target: Int, offset: BodyOffset, pattern: HexPattern, macroGroup: Int? = nil,
        source: String)
    {
        self.name = name
        self.target = target
        self.offset = offset
        self.pattern = pattern
        self.macroGroup = macroGroup
        self.source = source
    }

    /// Parses one `.ndb` line; `nil` when the line's FLEVEL range excludes ``FunctionalityLevel/current``.
    public static func parse(line: Substring, at location: SourceLocation) throws(SignatureError) -> BodySignature? {
        let text = String(line)
        let fields = LineFields(line)
        func at(_ field: Int) -> SourceLocation { fields.location(of: field, in: location) }
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
        var offset = BodyOffset.any
        var macroGroup: Int?
        if fields.values[2].contains("$") {
            let field = fields.values[2]
            guard field.count > 2, field.hasPrefix("$"), field.hasSuffix("$"),
                let group = ASCII.decimal(field.dropFirst().dropLast().utf8, maxDigits: 2), group < 32
            else {
                throw SignatureError(.malformed, "invalid macro group offset '\(fields.values[2])' (expected $0$ to $31$)",
                    at: at(2), excerpt: text)
            }
            macroGroup = group
        } else {
            offset = try BodyOffset.parse(fields.values[2], at: at(2), line: text)
        }
        guard target <= TargetType.highest else {
            throw SignatureError(.unsupported, "target type \(target) is unknown", at: at(1), excerpt: text)
        }
        if offset.needsExecutable, !TargetType.executables.contains(target) {
            throw SignatureError(.malformed,
                "offset relative to an executable's layout needs target type 1 (PE), 6 (ELF) or 9 (Mach-O)",
                at: at(2), excerpt: text)
        }
        guard FunctionalityLevel.admits(minimum: minimum, maximum: maximum) else { return nil }
        return BodySignature(name: String(fields.values[0]), target: target, offset: offset, pattern: pattern,
            macroGroup: macroGroup, source: text)
    }
}
