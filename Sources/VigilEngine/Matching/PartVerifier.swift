#if canImport(Glibc)
import Glibc
#endif
import CVigilLibc
import VigilSignatures

/// Verifies pattern parts against content: bounded simulation over sets of positions, so the work for a part
/// is proportional to its span, never exponential (no backtracking).
struct PartVerifier {
    let data: UnsafeRawBufferPointer

    func literalMatches(_ bytes: [UInt8], at position: Int) -> Bool {
        guard position >= 0, position + bytes.count <= data.count else { return false }
        return bytes.withUnsafeBytes { memcmp(data.baseAddress! + position, $0.baseAddress!, bytes.count) == 0 }
    }

    func maskedMatches(_ bytes: [MaskedByte], at position: Int) -> Bool {
        guard position >= 0, position + bytes.count <= data.count else { return false }
        for (i, b) in bytes.enumerated() where !b.matches(data[position + i]) { return false }
        return true
    }

    /// The positions reachable after `element`, matching forward from each of `starts` (sorted, unique).
    func forward(_ element: PatternElement, from starts: [Int]) -> [Int] {
        switch element {
        case .literal(let bytes):
            return starts.compactMap { literalMatches(bytes, at: $0) ? $0 + bytes.count : nil }
        case .masked(let bytes), .caseless(let bytes):
            return starts.compactMap { maskedMatches(bytes, at: $0) ? $0 + bytes.count : nil }
        case .alternatives(let alts):
            var out: [Int] = []
            for p in starts { for alt in alts where maskedMatches(alt, at: p) { out.append(p + alt.count) } }
            return sortedUnique(out)
        case .gap(let lo, let hi):
            return mergeRanges(starts.map { ($0 + lo, $0 + hi) }, limit: data.count)
        case .byteSet(let set):
            return starts.compactMap { $0 < data.count && set.contains(data[$0]) ? $0 + 1 : nil }
        case .excluded(let alts):
            let n = alts[0].count
            return starts.compactMap { p in
                p + n <= data.count && !alts.contains { maskedMatches($0, at: p) } ? p + n : nil
            }
        case .edge:
            return starts.filter { edgeHolds(element, at: $0) }
        }
    }

    /// The positions reachable before `element`, matching backward from each of `ends` (sorted, unique).
    func backward(_ element: PatternElement, from ends: [Int]) -> [Int] {
        switch element {
        case .literal(let bytes):
            return ends.compactMap { literalMatches(bytes, at: $0 - bytes.count) ? $0 - bytes.count : nil }
        case .masked(let bytes), .caseless(let bytes):
            return ends.compactMap { maskedMatches(bytes, at: $0 - bytes.count) ? $0 - bytes.count : nil }
        case .alternatives(let alts):
            var out: [Int] = []
            for p in ends { for alt in alts where maskedMatches(alt, at: p - alt.count) { out.append(p - alt.count) } }
            return sortedUnique(out)
        case .gap(let lo, let hi):
            return mergeRanges(ends.map { ($0 - hi, $0 - lo) }, limit: data.count)
        case .byteSet(let set):
            return ends.compactMap { $0 >= 1 && $0 <= data.count && set.contains(data[$0 - 1]) ? $0 - 1 : nil }
        case .excluded(let alts):
            let n = alts[0].count
            return ends.compactMap { p in
                p - n >= 0 && p <= data.count && !alts.contains { maskedMatches($0, at: p - n) } ? p - n : nil
            }
        case .edge:
            return ends.filter { edgeHolds(element, at: $0) }
        }
    }

    /// Whether a `(B)`, `(L)` or `(W)` test at an end of the pattern holds at `position` (a start for a
    /// leading test, an end for a trailing one); the edges of the data pass, unless negated.
    func edgeHolds(_ element: PatternElement, at position: Int) -> Bool {
        guard case .edge(let kind, let negated, let leading) = element else { return true }
        let holds: Bool
        if leading {
            if position <= 0 {
                holds = true
            } else {
                let b = data[position - 1]
                switch kind {
                case .word: holds = [1, 3].contains(wordBoundaryValue(b))
                case .line: holds = b == 0x0A
                case .nonAlphanumeric: holds = !ASCII.isAlphanumeric(b)
                }
            }
        } else if position >= data.count {
            holds = true
        } else {
            let b = data[position]
            switch kind {
            case .word: holds = wordBoundaryValue(b) >= 2
            case .line: holds = b == 0x0A || (b == 0x0D && position + 1 < data.count && data[position + 1] == 0x0A)
            case .nonAlphanumeric: holds = !ASCII.isAlphanumeric(b)
            }
        }
        return holds != negated
    }

    /// Whether the atom's element of `part` matches with its first byte at `position`; returns its length.
    func atomElementMatches(_ part: PatternPart, at position: Int) -> Int? {
        switch part.elements[part.atomElement] {
        case .literal(let bytes): return literalMatches(bytes, at: position) ? bytes.count : nil
        case .caseless(let bytes): return maskedMatches(bytes, at: position) ? bytes.count : nil
        default: return nil
        }
    }

    /// Matches `part` with its atom's element starting at `literalStart`; returns the latest possible start
    /// and the earliest possible end of the occurrence.
    func occurrence(of part: PatternPart, literalAt literalStart: Int) -> (latestStart: Int, earliestEnd: Int)? {
        guard let spans = spans(of: part, literalAt: literalStart) else { return nil }
        return (spans.starts.last!, spans.ends.first!)
    }

    /// Every start and every end of occurrences of `part` whose atom element starts at `literalStart` (any
    /// start pairs with any end: they meet only at the atom), both ascending; `nil` when there is none.
    func spans(of part: PatternPart, literalAt literalStart: Int) -> (starts: [Int], ends: [Int])? {
        guard let length = atomElementMatches(part, at: literalStart) else { return nil }
        var starts = [literalStart]
        for element in part.elements[..<part.atomElement].reversed() {
            starts = backward(element, from: starts)
            if starts.isEmpty { return nil }
        }
        var ends = [literalStart + length]
        for element in part.elements[(part.atomElement + 1)...] {
            ends = forward(element, from: ends)
            if ends.isEmpty { return nil }
        }
        return (starts, ends)
    }

    /// The earliest end of `part` matched forward from exactly `start`.
    func anchoredEnd(of part: PatternPart, at start: Int) -> Int? {
        guard start >= 0, start <= data.count else { return nil }
        var ends = [start]
        for element in part.elements {
            ends = forward(element, from: ends)
            if ends.isEmpty { return nil }
        }
        return ends.first
    }

    /// The earliest end of an occurrence of `part` that starts at or after `from`, found by searching for its atom.
    func earliestEnd(of part: PatternPart, startingAtOrAfter from: Int) -> Int? {
        var searchFrom = from + part.minimumPrefix + part.atomOffset
        var best: Int?
        while searchFrom + part.atom.count <= data.count {
            guard let hit = findAtom(of: part, from: searchFrom) else { break }
            // Every occurrence whose atom lies at `hit` or later ends after `hit`.
            if let b = best, hit >= b { break }
            if let found = occurrence(of: part, literalAt: hit - part.atomOffset), found.latestStart >= from {
                best = min(best ?? .max, found.earliestEnd)
            }
            searchFrom = hit + 1
        }
        return best
    }

    /// The first position in `from...latest` (any later one when `latest` is `nil`) where `part`'s atom
    /// occurs (in either case when caseless).
    func findAtom(of part: PatternPart, from: Int, latest: Int? = nil) -> Int? {
        let end = min(data.count, (latest ?? data.count) + part.atom.count)
        guard part.atomIsCaseless else { return find(part.atom, from: from, end: end, rare: part.atomRareByte) }
        guard from >= 0 else { return nil }
        let atom = part.atom
        var i = from
        while i + atom.count <= end {
            var ok = true
            for (k, b) in atom.enumerated() where data[i + k] & (ASCII.isUppercase(b) ? 0xDF : 0xFF) != b {
                ok = false
                break
            }
            if ok { return i }
            i += 1
        }
        return nil
    }

    /// The first position at or after `from` where `needle` occurs entirely before `end`, found by scanning
    /// for its byte at index `rare` (the least common one).
    func find(_ needle: [UInt8], from: Int, end: Int, rare: Int) -> Int? {
        let end = min(end, data.count)
        guard from >= 0, from + needle.count <= end else { return nil }
        return needle.withUnsafeBytes { n -> Int? in
            guard let hit = cvigil_find_rare(data.baseAddress! + from, end - from, n.baseAddress!, n.count, rare) else {
                return nil
            }
            return UnsafeRawPointer(hit) - data.baseAddress!
        }
    }
}

/// Sorts and removes duplicates.
func sortedUnique(_ values: [Int]) -> [Int] {
    var out: [Int] = []
    for v in values.sorted() where out.last != v { out.append(v) }
    return out
}

/// The integers covered by closed ranges (given in ascending order of lower bound), clipped to `0...limit`.
func mergeRanges(_ ranges: [(Int, Int)], limit: Int) -> [Int] {
    var out: [Int] = []
    for (lo, hi) in ranges {
        let from = max(lo, out.last.map { $0 + 1 } ?? 0, 0)
        let to = min(hi, limit)
        if from <= to { out.append(contentsOf: from...to) }
    }
    return out
}
