/// Where a body pattern may start: ClamAV's offset field of `.ndb` lines and `.ldb` subsignatures.
///
/// Every form but `*` resolves, per file, to a window of start positions: `base + delta` up to
/// `base + delta + shift` (the floating form `OFFSET,MAXSHIFT`). The base is the file's start or end, or,
/// for executables (PE, ELF, Mach-O), the entry point or a section.
public enum BodyOffset: Sendable, Equatable {
    /// `*`: anywhere.
    case any
    /// A window of starts: `delta` from `anchor`, floating over `shift` more bytes.
    case at(OffsetAnchor, delta: Int, shift: Int)

    /// `n`: exactly at byte `n`.
    public static func absolute(_ n: Int) -> BodyOffset { .at(.fileStart, delta: n, shift: 0) }

    /// `EOF-n`: exactly `n` bytes before the end.
    public static func fromEnd(_ n: Int) -> BodyOffset { .at(.fileEnd, delta: -n, shift: 0) }

    /// Whether resolving the offset needs an executable's layout (entry point, sections).
    public var needsExecutable: Bool {
        guard case .at(let anchor, _, _) = self else { return false }
        switch anchor {
        case .fileStart, .fileEnd: return false
        case .entryPoint, .sectionStart, .lastSectionStart, .wholeSection, .versionInfo: return true
        }
    }

    /// Parses an offset field; `location.column` points at the field.
    static func parse(_ text: Substring, at location: SourceLocation, line: String) throws(SignatureError)
        -> BodyOffset
    {
        func malformed() -> SignatureError {
            SignatureError(.malformed, "invalid offset '\(text)'", at: location, excerpt: line)
        }
        func number(_ digits: Substring) throws(SignatureError) -> Int {
            guard let n = ASCII.decimal(digits.utf8, maxDigits: 10) else { throw malformed() }
            return n
        }
        if text == "*" { return .any }
        var base = text
        var shift = 0
        if let comma = text.firstIndex(of: ",") {
            base = text[..<comma]
            shift = try number(text[text.index(after: comma)...])
        }
        if base.hasPrefix("EOF-") { return .at(.fileEnd, delta: -(try number(base.dropFirst(4))), shift: shift) }
        if base.hasPrefix("EP+") { return .at(.entryPoint, delta: try number(base.dropFirst(3)), shift: shift) }
        if base.hasPrefix("EP-") { return .at(.entryPoint, delta: -(try number(base.dropFirst(3))), shift: shift) }
        if base.hasPrefix("SL+") { return .at(.lastSectionStart, delta: try number(base.dropFirst(3)), shift: shift) }
        if base.hasPrefix("SE") { return .at(.wholeSection(try number(base.dropFirst(2))), delta: 0, shift: shift) }
        if base.hasPrefix("S"), let plus = base.firstIndex(of: "+") {
            let section = try number(base[base.index(after: base.startIndex)..<plus])
            return .at(.sectionStart(section), delta: try number(base[base.index(after: plus)...]), shift: shift)
        }
        // clamscan takes anything starting with `VI` as `VI`, and ignores a shift with it.
        if base.hasPrefix("VI") { return .at(.versionInfo, delta: 0, shift: 0) }
        return .at(.fileStart, delta: try number(base), shift: shift)
    }
}

/// What an offset counts from.
public enum OffsetAnchor: Sendable, Equatable, Hashable {
    /// The first byte of the file.
    case fileStart
    /// The end of the file (`EOF-n`).
    case fileEnd
    /// The executable's entry point, as a file offset (`EP+n`, `EP-n`).
    case entryPoint
    /// The raw start of section `n`, counted from 0 (`Sn+m`).
    case sectionStart(Int)
    /// The raw start of the last section (`SL+n`).
    case lastSectionStart
    /// Anywhere inside section `n` (`SEn`): the window is the section's raw extent.
    case wholeSection(Int)
    /// `VI`: exactly where one of a PE file's version-information strings starts (its UTF-16 key).
    case versionInfo
}
