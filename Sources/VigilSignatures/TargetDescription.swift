/// The target description block of an `.ldb` line: `Engine:51-255,Target:1,FileSize:100-2000,...`.
public struct TargetDescription: Sendable, Equatable {
    /// The FLEVEL range (`Engine:min-max`).
    public var engine: ClosedRange<Int>?
    /// ClamAV's target type (`Target:n`); `nil` when absent.
    public var target: Int?
    /// The file size range (`FileSize:a-b` or `FileSize:a`).
    public var fileSize: ClosedRange<Int>?
    /// The entry point's range (`EntryPoint:a-b`), executables only.
    public var entryPoint: ClosedRange<Int>?
    /// The number of sections' range (`NumberOfSections:a-b`), executables only.
    public var numberOfSections: ClosedRange<Int>?
    /// The container type the file must be inside (`Container:CL_TYPE_ZIP`).
    public var container: String?
    /// The chain of container types above the file (`Intermediates:CL_TYPE_A>CL_TYPE_B`).
    public var intermediates: [String]?
    /// Fields Vigil does not apply (`IconGroup1`, `IconGroup2`, `HandlerType`, unknown names): the line is skipped.
    public var unsupported: [String] = []

    /// Whether a range field has its minimum above its maximum: clamscan loads such a line and it never matches.
    public var neverMatches = false

    /// An empty block.
    public init() {}

    /// Parses the block; `location.column` is the block's first column.
    static func parse(_ text: Substring, at location: SourceLocation, line: String) throws(SignatureError)
        -> TargetDescription
    {
        var block = TargetDescription()
        var column = location.column ?? 1
        for (index, field) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            var at = location
            at.column = column
            column += field.count + 1
            guard let colon = field.firstIndex(of: ":") else {
                throw SignatureError(.malformed, "expected KEY:VALUE in the target description, found '\(field)'",
                    at: at, excerpt: line)
            }
            let key = field[..<colon]
            let value = field[field.index(after: colon)...]
            func range() throws(SignatureError) -> ClosedRange<Int> {
                guard let (lo, hi) = Self.bounds(value) else {
                    throw SignatureError(.malformed, "invalid range '\(value)' for \(key): expected MIN-MAX", at: at,
                        excerpt: line)
                }
                if lo > hi { block.neverMatches = true }
                return min(lo, hi)...max(lo, hi)
            }
            if key != "Engine" && key != "Target" && (block.engine?.lowerBound ?? 0) < 51 {
                throw SignatureError(.malformed, "\(key) needs an Engine range starting at 51 or later, given first",
                    at: at, excerpt: line)
            }
            switch key {
            case "Engine":
                guard index == 0 else {
                    throw SignatureError(.malformed, "Engine must be the first field", at: at, excerpt: line)
                }
                block.engine = try range()
            case "Target":
                guard let n = ASCII.decimal(value.utf8, maxDigits: 9) else {
                    throw SignatureError(.malformed, "invalid target type '\(value)'", at: at, excerpt: line)
                }
                // clamscan skips a line whose target type it does not know.
                if n > TargetType.highest { block.unsupported.append("Target:\(n)") }
                block.target = n
            case "FileSize": block.fileSize = try range()
            case "EntryPoint", "NumberOfSections":
                guard let target = block.target, TargetType.executables.contains(target) else {
                    throw SignatureError(.malformed, "\(key) needs Target 1 (PE), 6 (ELF) or 9 (Mach-O) before it",
                        at: at, excerpt: line)
                }
                if key == "EntryPoint" { block.entryPoint = try range() } else { block.numberOfSections = try range() }
            case "Container": block.container = String(value)
            case "Intermediates": block.intermediates = value.split(separator: ">").map(String.init)
            default:
                // clamscan skips a line with a field it does not know; Vigil names the field in a warning.
                block.unsupported.append(String(key))
            }
        }
        guard block.target != nil else {
            throw SignatureError(.malformed, "the target description has no Target", at: location, excerpt: line)
        }
        return block
    }

    /// `a-b`.
    static func bounds(_ text: Substring) -> (Int, Int)? {
        func number(_ s: Substring) -> Int? { ASCII.decimal(s.utf8, maxDigits: 18) }
        guard let dash = text.firstIndex(of: "-"), let lo = number(text[..<dash]),
            let hi = number(text[text.index(after: dash)...])
        else { return nil }
        return (lo, hi)
    }
}
