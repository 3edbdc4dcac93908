import VigilSignatures

/// One byte position of an atom: the bytes `b` with `b & mask == value` (the smallest such set around the bytes
/// the pattern allows there, so an atom may admit more than the pattern; the match is verified anyway).
struct AtomByte: Hashable, Sendable {
    var value: UInt8
    var mask: UInt8

    /// The smallest set of this shape holding every member of `set` (not empty).
    init(_ set: ByteSet) {
        let members = set.members
        let differing = members.reduce(UInt8(0)) { $0 | ($1 ^ members[0]) }
        mask = ~differing
        value = members[0] & mask
    }

    init(value: UInt8, mask: UInt8) {
        self.value = value & mask
        self.mask = mask
    }

    /// Whether the prefilter can key on it: one byte, or a letter in either case.
    var isKey: Bool { mask == 0xFF || mask == 0xDF }
}

/// Atoms for a pattern: short masked byte strings, one of which every match contains, each at a known distance
/// range from the match's start. The prefilter watches the atoms; a hit gives the candidate starts to verify.
///
/// libyara picks atoms the same way (runs of fixed bytes, alternatives covered branch by branch, quality by how
/// rare the bytes are); Vigil's prefilter takes atoms of up to 7 bytes, keys on runs of exact bytes and letters
/// in either case, and checks the other bytes under their masks (`0?`, `(43|63)`).
struct RegexAtoms: Sendable, Equatable {
    /// The atoms (each 2 to 7 positions, with at least two keys in a row).
    var atoms: [[AtomByte]]
    /// How far the atom may start from the match's start: at least `low`, at most `high` (`nil`: unbounded).
    var low: Int
    var high: Int?
    /// How selective the choice is (higher is better).
    var quality: Int

    /// The longest atom.
    static let maximumLength = 7
    /// The most atoms that cover an alternation (`/(john|test|…)/i`) before it is left to the other parts.
    static let maximumAlternativeAtoms = 256

    /// The best atoms for `node`, or nil when some match need contain no fixed bytes worth watching.
    static func choose(_ node: RegexNode) -> RegexAtoms? { cover(node) }

    /// The best atoms for masked bytes.
    static func choose(masked bytes: MaskedBytes) -> RegexAtoms? {
        window(zip(bytes.values, bytes.masks).map { AtomByte(value: $0, mask: $1) }, low: 0, high: 0)
    }

    private static func cover(_ node: RegexNode) -> RegexAtoms? {
        switch node {
        case .empty, .assertion: return nil
        case .bytes(let set): return window([AtomByte(set)], low: 0, high: 0)
        case .repetition(let inner, let minimum, _, _):
            return minimum >= 1 ? cover(inner) : nil
        case .alternation(let branches):
            var out: RegexAtoms?
            for branch in branches {
                guard let choice = cover(branch) else { return nil }
                guard let so = out else {
                    out = choice
                    continue
                }
                out = RegexAtoms(
                    atoms: so.atoms + choice.atoms, low: min(so.low, choice.low),
                    high: so.high.flatMap { a in choice.high.map { max(a, $0) } },
                    quality: min(so.quality, choice.quality) - 2)
            }
            if let atoms = out?.atoms, Set(atoms).count > maximumAlternativeAtoms { return nil }
            return out
        case .concatenation(let items):
            var best: RegexAtoms?
            func consider(_ choice: RegexAtoms?) {
                if let choice, choice.quality > (best?.quality ?? Int.min) { best = choice }
            }
            var run: [AtomByte] = []
            var runLow = 0
            var runHigh: Int? = 0
            var low = 0
            var high: Int? = 0
            for item in flattened(items) {
                let fixed = fixedBytes(item)
                if let fixed {
                    if run.isEmpty { (runLow, runHigh) = (low, high) }
                    run += fixed
                }
                if fixed == nil || fixed!.count != item.maximumLength {
                    consider(window(run, low: runLow, high: runHigh))
                    run = []
                    if fixed == nil, let inner = cover(item) {
                        consider(inner.shifted(low: low, high: high))
                    }
                }
                low += item.minimumLength
                high = high.flatMap { h in item.maximumLength.map { h + $0 } }
            }
            consider(window(run, low: runLow, high: runHigh))
            return best
        }
    }

    /// A repetition's mandatory copies, or a byte: the positions it matches one after another, if narrow enough
    /// to be an atom's part (at most 16 values each).
    private static func fixedBytes(_ node: RegexNode) -> [AtomByte]? {
        switch node {
        case .bytes(let set) where set.count > 0:
            let byte = AtomByte(set)
            return byte.mask.nonzeroBitCount >= 4 ? [byte] : nil
        case .repetition(.bytes(let set), let minimum, _, _) where minimum >= 1 && set.count > 0:
            let byte = AtomByte(set)
            return byte.mask.nonzeroBitCount >= 4 ? Array(repeating: byte, count: min(minimum, maximumLength)) : nil
        default: return nil
        }
    }

    private static func flattened(_ items: [RegexNode]) -> [RegexNode] {
        items.flatMap { item -> [RegexNode] in
            if case .concatenation(let inner) = item { return flattened(inner) }
            return [item]
        }
    }

    private func shifted(low: Int, high: Int?) -> RegexAtoms {
        RegexAtoms(
            atoms: atoms, low: self.low + low, high: self.high.flatMap { h in high.map { h + $0 } },
            quality: quality)
    }

    /// The best window of 2 to 7 positions from a run, starting `low...high` bytes into the match: the one whose
    /// bytes narrow the search most, with at least two keys in a row (four or more let the prefilter skip
    /// positions, seven the most).
    private static func window(_ run: [AtomByte], low: Int, high: Int?) -> RegexAtoms? {
        var best: (start: Int, length: Int, quality: Int)?
        for start in run.indices {
            var quality = 0
            var repeated = true
            var keys = 0
            var longestKeys = 0
            for length in 1...min(maximumLength, run.count - start) {
                let byte = run[start + length - 1]
                guard byte.mask.nonzeroBitCount >= 4 else { break }
                quality += byteQuality(byte)
                repeated = repeated && byte == run[start]
                keys = byte.isKey ? keys + 1 : 0
                longestKeys = max(longestKeys, keys)
                guard longestKeys >= 2 else { continue }
                // Runs of one repeated byte (zero padding, `AAAA`) hit far more often than their length suggests.
                var score = repeated ? quality / 2 : quality
                if longestKeys < 4 { score -= 12 }
                if score > (best?.quality ?? Int.min) { best = (start, length, score) }
            }
        }
        guard let best else { return nil }
        return RegexAtoms(
            atoms: [Array(run[best.start..<(best.start + best.length)])], low: low + best.start,
            high: high.map { $0 + best.start }, quality: best.quality)
    }

    /// How much a position of the atom narrows the search: common bytes of binaries and text count for less, and
    /// so do positions that admit several bytes.
    private static func byteQuality(_ byte: AtomByte) -> Int {
        switch byte.mask {
        case 0xFF:
            switch byte.value {
            case 0x00, 0xFF, 0x20, 0x90, 0xCC, 0x0A, 0x0D: return 6
            default: return 12
            }
        case 0xDF: return 10
        default: return byte.mask.nonzeroBitCount + byte.mask.nonzeroBitCount / 2 - 4
        }
    }
}

extension RegexNode {
    /// The fewest bytes a match consumes.
    var minimumLength: Int {
        switch self {
        case .empty, .assertion: 0
        case .bytes: 1
        case .concatenation(let items): items.reduce(0) { $0 + $1.minimumLength }
        case .alternation(let branches): branches.map(\.minimumLength).min() ?? 0
        case .repetition(let inner, let minimum, _, _): inner.minimumLength * minimum
        }
    }

    /// The most bytes a match consumes (`nil`: unbounded).
    var maximumLength: Int? {
        switch self {
        case .empty, .assertion: return 0
        case .bytes: return 1
        case .concatenation(let items):
            var total = 0
            for item in items {
                guard let n = item.maximumLength else { return nil }
                total += n
            }
            return total
        case .alternation(let branches):
            var most = 0
            for branch in branches {
                guard let n = branch.maximumLength else { return nil }
                most = max(most, n)
            }
            return most
        case .repetition(let inner, _, let maximum, _):
            guard let maximum, let n = inner.maximumLength else { return inner.maximumLength == 0 ? 0 : nil }
            return n * maximum
        }
    }

    /// The bytes a match can begin with (every byte when it can begin with an assertion or be empty).
    var firstBytes: ByteSet {
        switch self {
        case .empty, .assertion: return ByteSet { _ in true }
        case .bytes(let set): return set
        case .concatenation(let items):
            var out = ByteSet { _ in false }
            for item in items {
                out = out.union(item.firstBytes)
                if item.minimumLength > 0 { return out }
            }
            return ByteSet { _ in true }
        case .alternation(let branches):
            return branches.reduce(ByteSet { _ in false }) { $0.union($1.firstBytes) }
        case .repetition(let inner, let minimum, _, _):
            return minimum == 0 ? ByteSet { _ in true } : inner.firstBytes
        }
    }
}
