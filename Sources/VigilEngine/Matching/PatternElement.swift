import VigilSignatures

/// A body pattern as the matcher runs it: literal runs coalesced, unbounded gaps split into parts.
enum PatternElement: Sendable, Equatable {
    /// Bytes that must be equal.
    case literal([UInt8])
    /// Bytes that must be equal up to ASCII case (`::i`): letters carry mask `0xDF`, other bytes `0xFF`.
    case caseless([MaskedByte])
    /// Bytes under masks (at least one not fully fixed).
    case masked([MaskedByte])
    /// One of several masked byte strings.
    case alternatives([[MaskedByte]])
    /// Between `minimum` and `maximum` arbitrary bytes.
    case gap(minimum: Int, maximum: Int)
    /// One byte from a set (`(B)`, `(L)`, `(W)` inside a pattern; `!(aa|bb)` of single bytes).
    case byteSet(ByteSet)
    /// Byte strings of one length none of which may occur (`!(aabb|ccdd)`).
    case excluded([[MaskedByte]])
    /// A zero-width test of the byte before (`leading`) or after the match: `(B)`, `(L)`, `(W)` at an end.
    case edge(BoundaryClass, negated: Bool, leading: Bool)

    /// The least and greatest number of bytes the element spans.
    var lengthRange: ClosedRange<Int> {
        switch self {
        case .literal(let bytes): bytes.count...bytes.count
        case .caseless(let bytes): bytes.count...bytes.count
        case .masked(let bytes): bytes.count...bytes.count
        case .alternatives(let alts): alts.map(\.count).min()!...alts.map(\.count).max()!
        case .gap(let lo, let hi): lo...hi
        case .byteSet: 1...1
        case .excluded(let alts): alts[0].count...alts[0].count
        case .edge: 0...0
        }
    }
}

/// A run of the pattern between unbounded gaps, with the atom the matcher searches for it by.
final class PatternPart: Sendable {
    /// The elements in order.
    let elements: [PatternElement]
    /// The index of the literal element holding the atom.
    let atomElement: Int
    /// The atom's offset inside that literal.
    let atomOffset: Int
    /// The atom: 2 to 7 literal bytes (4 when caseless), the most selective window of the part (upper case
    /// when caseless).
    let atom: [UInt8]
    /// Whether the atom's letters match either case.
    let atomIsCaseless: Bool
    /// Where the atom's most selective 4 bytes start inside it.
    let bestWindow: Int
    /// The atom's quality; higher is rarer.
    let atomScore: Int
    /// The index of the atom's least common byte, which searches for it scan for.
    let atomRareByte: Int
    /// The least number of bytes before the atom's literal element.
    let minimumPrefix: Int
    /// The least number of bytes the part spans.
    let minimumLength: Int

    private static func atomIsCaseless(_ element: PatternElement) -> Bool {
        if case .caseless = element { return true }
        return false
    }

    init(elements: [PatternElement]) {
        self.elements = elements
        var best: (element: Int, offset: Int, run: [UInt8], score: Int)?
        for (index, element) in elements.enumerated() {
            let bytes: [UInt8]
            var penalty = 0
            switch element {
            case .literal(let b): bytes = b
            case .caseless(let b):
                bytes = b.map(\.value)
                penalty = b.filter { !$0.isLiteral }.count * 8
            default: continue
            }
            guard bytes.count >= 2 else { continue }
            let width = min(4, bytes.count)
            for offset in 0...(bytes.count - width) {
                let score = AtomQuality.score(Array(bytes[offset..<(offset + width)])) - penalty
                if best == nil || score > best!.score { best = (index, offset, bytes, score) }
            }
        }
        // HexPatternParser.validate guarantees a run of two fixed bytes in every part.
        let chosen = best!
        // The best 4-byte window, widened to 7 bytes within its run where it can be, so the prefilter may probe
        // every 4th position (entering all four 4-byte windows): of the 7-byte spans holding the best window,
        // the one whose weakest window is strongest. Case variants stay few at 4.
        let limit = Self.atomIsCaseless(elements[chosen.element]) ? 4 : 7
        let run = chosen.run
        var start = max(0, min(chosen.offset, run.count - limit))
        if run.count >= limit, limit > 4 {
            var strongest = Int.min
            for s in max(0, chosen.offset + 4 - limit)...min(chosen.offset, run.count - limit) {
                let weakest = (s...(s + limit - 4)).map { AtomQuality.score(Array(run[$0..<($0 + 4)])) }.min()!
                if weakest > strongest {
                    strongest = weakest
                    start = s
                }
            }
        }
        let end = min(run.count, start + limit)
        atomElement = chosen.element
        atomOffset = start
        atom = Array(chosen.run[start..<end])
        bestWindow = chosen.offset - start
        atomIsCaseless = Self.atomIsCaseless(elements[chosen.element])
        atomScore = chosen.score
        let chosenAtom = Array(chosen.run[start..<end])
        atomRareByte = chosenAtom.indices.min {
            AtomQuality.commonness(chosenAtom[$0]) < AtomQuality.commonness(chosenAtom[$1])
        } ?? 0
        minimumPrefix = elements[..<chosen.element].reduce(0) { $0 + $1.lengthRange.lowerBound }
        minimumLength = elements.reduce(0) { $0 + $1.lengthRange.lowerBound }
    }
}

/// Scores candidate atoms so that each pattern is searched by its rarest bytes (as YARA and ClamAV do):
/// zero, 0xFF, padding and common opcodes say little; varied bytes say more.
enum AtomQuality {
    /// How common a byte is in executables and text, 0 (rare) to 9: zero and 0xFF padding, the x86-64 REX and
    /// MOV/LEA/CALL/Jcc opcodes and ModRM bytes, small integers, space and lower-case letters.
    static func commonness(_ b: UInt8) -> Int {
        switch b {
        case 0x00: 9
        case 0xFF: 8
        case 0x48, 0x8B, 0x89, 0x24, 0x20: 7
        case 0x01...0x0F, 0x4C, 0x44, 0x85, 0x84, 0x8D, 0xE8, 0x83, 0xC0, 0x74, 0x75, 0x10, 0x41, 0x45: 6
        case 0x61...0x7A, 0x30...0x39, 0x5F, 0x2E: 5
        case 0x11...0x1F, 0x40...0x5A, 0xC3, 0xCC, 0x90: 4
        default: 2
        }
    }


    static func score(_ bytes: [UInt8]) -> Int {
        var total = 0
        var seen: [UInt8] = []
        for b in bytes {
            switch b {
            case 0x00: total += 1
            case 0xFF, 0x20, 0xCC, 0x90: total += 6
            case 0x01...0x1F, 0x41...0x5A, 0x61...0x7A: total += 14
            default: total += 18
            }
            if !seen.contains(b) { seen.append(b) }
        }
        return total + 4 * seen.count + (bytes.count == 4 ? 40 : 0)
    }
}

extension PatternElement {
    /// Turns parsed tokens into parts split at unbounded gaps; returns the parts and each part's minimum
    /// distance from the previous part's end (0 for the first).
    ///
    /// With `caseless`, ASCII letters (literal bytes) match either case.
    static func parts(of pattern: HexPattern, caseless: Bool = false) -> (parts: [PatternPart], gaps: [Int]) {
        var parts: [PatternPart] = []
        var gaps: [Int] = [0]
        var elements: [PatternElement] = []
        func push(_ byte: MaskedByte) {
            if caseless && (byte.isLiteral || byte.mask == 0xDF) {
                if case .caseless(var run)? = elements.last {
                    run.append(byte)
                    elements[elements.count - 1] = .caseless(run)
                } else {
                    elements.append(.caseless([byte]))
                }
                return
            }
            switch (byte.isLiteral, elements.last) {
            case (true, .literal(var run)?):
                run.append(byte.value)
                elements[elements.count - 1] = .literal(run)
            case (true, _): elements.append(.literal([byte.value]))
            case (false, .masked(var run)?):
                run.append(byte)
                elements[elements.count - 1] = .masked(run)
            case (false, _): elements.append(.masked([byte]))
            }
        }
        for (index, token) in pattern.tokens.enumerated() {
            switch token {
            case .byte(let b): push(caseless ? b.caseFolded : b)
            case .alternatives(let alts):
                elements.append(.alternatives(caseless ? alts.map { $0.map(\.caseFolded) } : alts))
            case .negatedAlternatives(let alts):
                if alts.allSatisfy({ $0.count == 1 }) {
                    elements.append(.byteSet(ByteSet { b in !alts.contains { $0[0].matches(b) } }))
                } else {
                    elements.append(.excluded(alts))
                }
            case .boundary(let kind, let negated):
                if index == 0 || index == pattern.tokens.count - 1 {
                    elements.append(.edge(kind, negated: negated, leading: index == 0))
                } else {
                    let set = ByteSet.inside(kind)
                    elements.append(.byteSet(negated ? set.inverted : set))
                }
            case .byteRange(let lo, let hi), .gap(let lo, let hi?):
                if case .gap(let lo0, let hi0)? = elements.last {
                    elements[elements.count - 1] = .gap(minimum: lo0 + lo, maximum: hi0 + hi)
                } else {
                    elements.append(.gap(minimum: lo, maximum: hi))
                }
            case .gap(let lo, nil):
                parts.append(PatternPart(elements: elements))
                gaps.append(lo)
                elements = []
            }
        }
        parts.append(PatternPart(elements: elements))
        return (parts, gaps)
    }
}

extension MaskedByte {
    /// A literal ASCII letter made to match either case (mask `0xDF`); other bytes unchanged.
    var caseFolded: MaskedByte {
        guard isLiteral, (0x41...0x5A).contains(value & 0xDF), value < 0x80 else { return self }
        return MaskedByte(value: value & 0xDF, mask: 0xDF)
    }
}

extension ByteSet {
    /// The bytes a class consumes inside a pattern: `(B)` any byte of clamscan's boundary table, `(L)` a line
    /// feed (clamscan 1.4.6 does not take `\r\n` there), `(W)` any byte but an ASCII letter or digit.
    static func inside(_ kind: BoundaryClass) -> ByteSet {
        switch kind {
        case .word: ByteSet { wordBoundaryValue($0) != 0 }
        case .line: ByteSet { $0 == 0x0A }
        case .nonAlphanumeric: ByteSet { !ASCII.isAlphanumeric($0) }
        }
    }
}

/// clamscan's `boundary[]` table for `(B)`: 1 for `.` `<` `@`; 2 for line ends, quotes, `=` `>`; 3 for space
/// `-` `/` `_`; 0 otherwise.
func wordBoundaryValue(_ b: UInt8) -> Int {
    switch b {
    case UInt8(ascii: "."), UInt8(ascii: "<"), UInt8(ascii: "@"): 1
    case 0x0A, 0x0D, UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "="), UInt8(ascii: ">"): 2
    case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "_"): 3
    default: 0
    }
}
