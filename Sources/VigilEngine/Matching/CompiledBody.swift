import VigilSignatures

/// A body signature ready to match: its parts, the gaps between them, and which part the prefilter watches.
struct CompiledBody: Sendable {
    /// Index of the signature's name in the engine's name table.
    var name: Int
    /// Where the pattern must start.
    var offset: BodyOffset
    /// Parts separated by unbounded gaps.
    var parts: [PatternPart]
    /// `gaps[i]`: the least number of bytes between part `i - 1`'s end and part `i`'s start.
    var gaps: [Int]
    /// The part whose atom feeds the prefilter (the rarest).
    var watchedPart: Int
    /// Whether the pattern is one literal run: clamscan matches those with its Boyer-Moore matcher, which runs
    /// before its Aho-Corasick matcher on each buffer, so they win the report order.
    var isPlain: Bool
    /// The least number of bytes a match spans.
    var minimumLength: Int

    init(_ signature: BodySignature, name: Int) {
        self.name = name
        offset = signature.offset
        let (parts, gaps) = PatternElement.parts(of: signature.pattern)
        self.parts = parts
        self.gaps = gaps
        watchedPart = parts.indices.max(by: { parts[$0].atomScore < parts[$1].atomScore })!
        if parts.count == 1, parts[0].elements.count == 1, case .literal = parts[0].elements[0] {
            isPlain = true
        } else {
            isPlain = false
        }
        minimumLength = parts.flatMap(\.elements).reduce(0) { $0 + $1.lengthRange.lowerBound } + gaps.reduce(0, +)
    }
}

/// Per-scan memory of what is known about each body signature, reset in O(1) between files by a generation
/// stamp, so many small files cost nothing per signature.
struct BodyScanState {
    private var stamp: [UInt32]
    private var generation: UInt32 = 0
    /// End of the greedy earliest chain of the parts before the watched one (-1: impossible).
    private var leftChainEnd: [Int]
    /// The watched part's end from which the rest was already found impossible (later ends fail too).
    private var rightFailedFrom: [Int]
    private var matched: [Bool]

    init(count: Int) {
        stamp = Array(repeating: 0, count: count)
        leftChainEnd = Array(repeating: 0, count: count)
        rightFailedFrom = Array(repeating: 0, count: count)
        matched = Array(repeating: false, count: count)
    }

    mutating func reset() {
        generation &+= 1
        if generation == 0 {
            for i in stamp.indices { stamp[i] = 0 }
            generation = 1
        }
    }

    @inline(__always)
    private mutating func touch(_ id: Int) {
        if stamp[id] != generation {
            stamp[id] = generation
            leftChainEnd[id] = .min
            rightFailedFrom[id] = .max
            matched[id] = false
        }
    }

    mutating func isMatched(_ id: Int) -> Bool {
        touch(id)
        return matched[id]
    }

    mutating func markMatched(_ id: Int) {
        touch(id)
        matched[id] = true
    }

    /// Verifies a candidate hit of signature `id`'s watched atom at `position`; returns where the match ends.
    mutating func verify(_ body: CompiledBody, id: Int, atomAt position: Int, in verifier: PartVerifier) -> Int? {
        touch(id)
        if matched[id] { return nil }
        let watched = body.parts[body.watchedPart]
        guard let hit = verifier.occurrence(of: watched, literalAt: position - watched.atomOffset) else { return nil }
        if hit.earliestEnd >= rightFailedFrom[id] { return nil }
        if leftChainEnd[id] == .min {
            leftChainEnd[id] = chainEnd(body, parts: 0..<body.watchedPart, from: 0, verifier) ?? -1
        }
        let left = leftChainEnd[id]
        if left < 0 || hit.latestStart < left + body.gaps[body.watchedPart] { return nil }
        guard let end = chainEnd(body, parts: (body.watchedPart + 1)..<body.parts.count, from: hit.earliestEnd, verifier)
        else {
            rightFailedFrom[id] = hit.earliestEnd
            return nil
        }
        matched[id] = true
        return end
    }

    /// Whether an anchored signature matches starting exactly at `start`; returns where the match ends.
    mutating func verifyAnchored(_ body: CompiledBody, id: Int, start: Int, in verifier: PartVerifier) -> Int? {
        touch(id)
        if matched[id] { return nil }
        guard let first = verifier.anchoredEnd(of: body.parts[0], at: start),
            let end = chainEnd(body, parts: 1..<body.parts.count, from: first, verifier)
        else { return nil }
        matched[id] = true
        return end
    }

    /// Matches `parts` in order, each at its earliest, starting after `from`; the last end, or `nil`.
    /// Earliest-first is exact here: between parts there are only lower bounds on distance.
    private func chainEnd(_ body: CompiledBody, parts: Range<Int>, from: Int, _ verifier: PartVerifier) -> Int? {
        var end = from
        for i in parts {
            guard let e = verifier.earliestEnd(of: body.parts[i], startingAtOrAfter: end + body.gaps[i]) else { return nil }
            end = e
        }
        return end
    }
}
