#if canImport(Glibc)
import Glibc
#endif

/// One of clamscan's embedded-type patterns (the mode-1 lines of its file-type database): a body-signature
/// style hex pattern with an offset, searched in the first bytes of a file whose magic said text or binary.
///
/// The grammar is the subset those lines use: hex bytes, `??`, nibble wildcards (`0?`), single-byte
/// alternatives `(aa|bb)`, and gaps `*`, `{n}`, `{n-m}`, `{-n}` between parts.
struct TypePattern {
    /// Where the first part may start.
    enum Start {
        /// Anywhere.
        case anywhere
        /// At `offset` up to `offset + shift`.
        case at(offset: Int, shift: Int)
        /// Relative to the end of the file: never matched in the type-detection buffer, as in libclamav.
        case fromEnd
    }

    /// One byte position: matches `byte` when `byte & mask == value`, or any of `alternatives`.
    struct Element {
        var value: UInt8
        var mask: UInt8
        var alternatives: [UInt8] = []

        func matches(_ byte: UInt8) -> Bool {
            alternatives.isEmpty ? byte & mask == value : alternatives.contains(byte)
        }
    }

    /// A run of elements that must match contiguously.
    typealias Part = [Element]

    let start: Start
    let parts: [Part]
    /// `gaps[i]` separates `parts[i]` and `parts[i + 1]`: the minimum and maximum bytes between (`nil`: any).
    let gaps: [(min: Int, max: Int?)]
    let type: FileType

    /// Parses a pattern of the built-in table; `nil` if malformed.
    init?(offset: String, hex: String, type: FileType) {
        switch offset {
        case "*": start = .anywhere
        case _ where offset.hasPrefix("EOF-"): start = .fromEnd
        default:
            let fields = offset.split(separator: ",", omittingEmptySubsequences: false)
            guard let first = fields.first, let base = Int(first), base >= 0 else { return nil }
            let shift = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
            start = .at(offset: base, shift: max(0, shift))
        }
        self.type = type
        var parts: [Part] = [[]]
        var gaps: [(min: Int, max: Int?)] = []
        let text = Array(hex.utf8)
        var i = 0
        while i < text.count {
            let c = text[i]
            if c == UInt8(ascii: "*") || c == UInt8(ascii: "{") {
                var gap: (min: Int, max: Int?) = (0, nil)
                if c == UInt8(ascii: "{") {
                    guard let close = text[i...].firstIndex(of: UInt8(ascii: "}")) else { return nil }
                    guard let parsed = Self.gap(text[(i + 1)..<close]) else { return nil }
                    gap = parsed
                    i = close + 1
                } else {
                    i += 1
                }
                guard !(parts.last ?? []).isEmpty else { return nil }
                gaps.append(gap)
                parts.append([])
            } else if c == UInt8(ascii: "(") {
                guard let close = text[i...].firstIndex(of: UInt8(ascii: ")")) else { return nil }
                var alternatives: [UInt8] = []
                for option in text[(i + 1)..<close].split(separator: UInt8(ascii: "|")) {
                    let bytes = Hex.decode(String(decoding: option, as: UTF8.self))
                    guard bytes.count == 1 else { return nil }
                    alternatives.append(bytes[0])
                }
                parts[parts.count - 1].append(Element(value: 0, mask: 0, alternatives: alternatives))
                i = close + 1
            } else {
                guard i + 1 < text.count else { return nil }
                let high = Hex.nibbleValue(text[i])
                let low = Hex.nibbleValue(text[i + 1])
                let value = (high ?? 0) << 4 | (low ?? 0)
                let mask: UInt8 = (high == nil ? 0 : 0xF0) | (low == nil ? 0 : 0x0F)
                parts[parts.count - 1].append(Element(value: value & mask, mask: mask))
                i += 2
            }
        }
        guard parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.parts = parts
        self.gaps = gaps
    }

    /// `{n}`, `{n-m}`, `{-n}` or `{n-}`.
    private static func gap(_ body: ArraySlice<UInt8>) -> (min: Int, max: Int?)? {
        let text = String(decoding: body, as: UTF8.self)
        guard let dash = text.firstIndex(of: "-") else {
            guard let n = Int(text), n >= 0 else { return nil }
            return (n, n)
        }
        let low = text[..<dash]
        let high = text[text.index(after: dash)...]
        let minimum = low.isEmpty ? 0 : Int(low)
        let maximum = high.isEmpty ? nil : Int(high)
        guard let minimum, minimum >= 0, high.isEmpty || (maximum ?? -1) >= minimum else { return nil }
        return (minimum, maximum)
    }

    private func part(_ index: Int, matchesAt position: Int, in buffer: UnsafeRawBufferPointer) -> Bool {
        let part = parts[index]
        guard position >= 0, position <= buffer.count - part.count else { return false }
        for (k, element) in part.enumerated() where !element.matches(buffer[position + k]) { return false }
        return true
    }

    /// Where the earliest match of the last part starts, which is where libclamav's matcher reports the whole
    /// pattern; `nil` when the pattern does not occur in `buffer`.
    ///
    /// Work is O(buffer × pattern length): one pass per part over a reachability table.
    func reportPosition(in buffer: UnsafeRawBufferPointer) -> Int? {
        let n = buffer.count
        guard n > 0 else { return nil }
        let candidates: ClosedRange<Int>
        switch start {
        case .fromEnd: return nil
        case .anywhere: candidates = 0...(n - 1)
        case .at(let offset, let shift):
            guard offset < n else { return nil }
            candidates = offset...min(n - 1, shift > Int.max - offset ? Int.max : offset + shift)
        }
        // Most patterns do not occur at all: find the first part's occurrences before allocating anything,
        // jumping with memchr between occurrences of its first byte when that byte is fixed.
        var first: Int?
        if let lead = parts[0].first, lead.alternatives.isEmpty, lead.mask == 0xFF, let base = buffer.baseAddress {
            var p = candidates.lowerBound
            while p <= candidates.upperBound,
                let hit = memchr(base + p, Int32(lead.value), candidates.upperBound - p + 1)
            {
                let q = base.distance(to: UnsafeRawPointer(hit))
                if part(0, matchesAt: q, in: buffer) {
                    first = q
                    break
                }
                p = q + 1
            }
        } else {
            first = candidates.first(where: { part(0, matchesAt: $0, in: buffer) })
        }
        guard let first else { return nil }
        if parts.count == 1 { return first }
        var reachable = [Bool](repeating: false, count: n)
        for p in first...candidates.upperBound where part(0, matchesAt: p, in: buffer) { reachable[p] = true }
        for index in 1..<max(1, parts.count) {
            // ends[k]: how many reachable occurrences of the previous part end (exclusively) before position k.
            let previous = parts[index - 1].count
            var ends = [Int](repeating: 0, count: n + 2)
            for e in 0...n {
                let s = e - previous
                ends[e + 1] = ends[e] + (s >= 0 && s < n && reachable[s] ? 1 : 0)
            }
            let (gapMin, gapMax) = gaps[index - 1]
            var next = [Bool](repeating: false, count: n)
            for q in 0..<n {
                // An occurrence ending at e reaches q when gapMin <= q - e <= gapMax.
                let latestEnd = q - gapMin
                guard latestEnd >= 0 else { continue }
                let earliestEnd = gapMax.map { max(0, q - $0) } ?? 0
                guard earliestEnd <= latestEnd, ends[latestEnd + 1] - ends[earliestEnd] > 0 else { continue }
                if part(index, matchesAt: q, in: buffer) { next[q] = true }
            }
            reachable = next
        }
        return reachable.firstIndex(of: true)
    }
}
