/// A logical signature from an `.ldb` file: `NAME;TARGET_DESCRIPTION;EXPRESSION;SUBSIG0;SUBSIG1;...`.
public struct LogicalSignature: Sendable, Equatable {
    /// The name reported on a match.
    public var name: String
    /// The target description block.
    public var description: TargetDescription
    /// The logical expression over the subsignatures' match counts.
    public var expression: LogicalExpression
    /// The subsignatures, by index.
    public var subsignatures: [Subsignature]
    /// The line it was parsed from: a compiled database keeps it, and parses it again only when the signature
    /// is first needed.
    public var source: String

    /// clamscan's limit on subsignatures per logical signature.
    public static let maximumSubsignatures = 64

    /// Parses one `.ldb` line; `nil` when clamscan would skip it silently (its `Engine` range excludes
    /// ``FunctionalityLevel/current``).
    ///
    /// clamscan checks the expression before the target description and the subsignatures only after both,
    /// so a line its FLEVEL excludes is never refused for bad subsignatures; Vigil keeps that order.
    public static func parse(line: Substring, at location: SourceLocation) throws(SignatureError)
        -> LogicalSignature?
    {
        let text = String(line)
        var fields: [Substring] = []
        var columns: [Int] = []
        var column = 1
        for field in line.split(separator: ";", omittingEmptySubsequences: false) {
            fields.append(field)
            columns.append(column)
            column += field.count + 1
        }
        func at(_ field: Int) -> SourceLocation {
            var l = location
            l.column = columns[field]
            return l
        }
        guard fields.count >= 4 else {
            throw SignatureError(.malformed, "expected NAME;TARGET_DESCRIPTION;EXPRESSION;SUBSIG..., found \(fields.count) fields",
                at: location, excerpt: text)
        }
        guard !fields[0].isEmpty else {
            throw SignatureError(.malformed, "the signature has no name", at: at(0), excerpt: text)
        }
        let expression = try LogicalExpression.parse(fields[2], at: at(2), line: text)
        let count = fields.count - 3
        guard count <= maximumSubsignatures else {
            throw SignatureError(.malformed, "\(count) subsignatures; clamscan allows at most \(maximumSubsignatures)",
                at: at(3), excerpt: text)
        }
        guard expression.highestIndex + 1 == count else {
            throw SignatureError(.malformed,
                "the expression names subsignatures 0...\(expression.highestIndex) but the line has \(count)",
                at: at(2), excerpt: text)
        }
        let description = try TargetDescription.parse(fields[1], at: at(1), line: text)
        if let engine = description.engine,
            !FunctionalityLevel.admits(minimum: engine.lowerBound, maximum: engine.upperBound)
        {
            return nil
        }
        if let field = description.unsupported.first {
            throw SignatureError(.unsupported, "target description field '\(field)' is not supported yet",
                at: at(1), excerpt: text)
        }
        var subsignatures: [Subsignature] = []
        for index in 3..<fields.count {
            let subsignature = try Subsignature.parse(fields[index], index: index - 3, at: at(index), line: text)
            if subsignature.offset.needsExecutable,
                !TargetType.executables.contains(description.target ?? 0)
            {
                throw SignatureError(.malformed,
                    "offset relative to an executable's layout needs Target 1 (PE), 6 (ELF) or 9 (Mach-O)",
                    at: at(index), excerpt: text)
            }
            subsignatures.append(subsignature)
        }
        try Self.checkMacros(subsignatures, columns: (3..<fields.count).map(at), line: text)
        return LogicalSignature(name: String(fields[0]), description: description, expression: expression,
            subsignatures: subsignatures, source: text)
    }

    /// Macros Vigil evaluates as clamscan does: each constrains the hex subsignature before it. A macro after a
    /// PCRE, byte-compare or macro subsignature, and a byte comparison reading at a macro, are not supported.
    private static func checkMacros(_ subsignatures: [Subsignature], columns: [SourceLocation], line: String)
        throws(SignatureError)
    {
        for (index, subsignature) in subsignatures.enumerated() {
            if case .macro = subsignature, index > 0 {
                guard case .hex = subsignatures[index - 1] else {
                    throw SignatureError(.unsupported, "a macro subsignature after a non-hex subsignature is not supported",
                        at: columns[index], excerpt: line)
                }
            }
            if case .byteComparison(let comparison) = subsignature, comparison.reference < subsignatures.count,
                case .macro = subsignatures[comparison.reference]
            {
                throw SignatureError(.unsupported, "a byte comparison at a macro subsignature is not supported",
                    at: columns[index], excerpt: line)
            }
        }
    }
}
