import VigilSignatures

/// Matching under an offset window and counting every match, for `.ldb` subsignatures and for signatures
/// whose offset allows more than one start (`n,MAXSHIFT`, `SEx`).
extension BodyScanState {
    /// The end of the first match of `body` starting inside `window`, unless already matched in this layer.
    mutating func firstMatch(_ body: CompiledBody, id: Int, window: ClosedRange<Int>, in verifier: PartVerifier)
        -> Int?
    {
        if window.lowerBound == window.upperBound {
            return verifyAnchored(body, id: id, start: window.lowerBound, in: verifier)
        }
        if markDone(id) { return nil }
        var result: Int?
        verifier.forEachOccurrence(of: body.parts[0], startingIn: window) { starts, ends in
            guard let end = verifier.chainEnd(body, parts: 1..<body.parts.count, from: ends[0]) else { return true }
            result = end
            return false
        }
        return result
    }

    /// Counts, for subsignature `slot`, the matches of `body` whose start lies in `window`: one per start, or
    /// one per end for a pattern clamscan splits.
    mutating func countAll(_ body: CompiledBody, slot: Int, window: ClosedRange<Int>, in verifier: PartVerifier) {
        if body.parts.count == 1 {
            verifier.forEachOccurrence(of: body.parts[0], startingIn: window) { starts, ends in
                count(body, slot: slot, starts: starts, ends: ends, verifier)
                return true
            }
            return
        }
        var firstEnd: Int?
        var firstStart = 0
        verifier.forEachOccurrence(of: body.parts[0], startingIn: window) { starts, ends in
            guard let start = starts.first(where: { verifier.leftBoundary($0, body.boundary) }) else { return true }
            firstStart = start
            firstEnd = ends[0]
            return false
        }
        let last = body.parts.count - 1
        guard let first = firstEnd, let middle = verifier.chainEnd(body, parts: 1..<last, from: first) else { return }
        let from = middle + body.gaps[last]
        let logged = body.logsMatches ? firstStart : nil
        verifier.forEachOccurrence(of: body.parts[last], startingIn: from...verifier.data.count) { _, ends in
            for end in ends where verifier.rightBoundary(end, body.boundary) { countMatch(slot, at: end, logging: logged) }
            return true
        }
    }

    /// Counts the occurrence of a one-part subsignature whose watched atom the prefilter found at `position`.
    mutating func countCandidate(_ body: CompiledBody, slot: Int, atomAt position: Int, in verifier: PartVerifier) {
        let part = body.parts[0]
        guard let spans = verifier.spans(of: part, literalAt: position - part.atomOffset) else { return }
        count(body, slot: slot, starts: spans.starts, ends: spans.ends, verifier)
    }

    private mutating func count(_ body: CompiledBody, slot: Int, starts: [Int], ends: [Int], _ verifier: PartVerifier) {
        let goodEnds = ends.filter { verifier.rightBoundary($0, body.boundary) }
        guard !goodEnds.isEmpty else { return }
        let goodStarts = starts.filter { verifier.leftBoundary($0, body.boundary) }
        guard !goodStarts.isEmpty else { return }
        if body.isSplit {
            for end in goodEnds { countMatch(slot, at: end, logging: body.logsMatches ? goodStarts[0] : nil) }
        } else {
            for start in goodStarts { countMatch(slot, at: start, logging: body.logsMatches ? start : nil) }
        }
    }
}

extension PartVerifier {
    /// Calls `visit(starts, ends)` for each occurrence of `part` with a start in `window`, in ascending order
    /// of its atom; stops when `visit` returns false.
    func forEachOccurrence(of part: PatternPart, startingIn window: ClosedRange<Int>,
        _ visit: (_ starts: [Int], _ ends: [Int]) -> Bool)
    {
        let before = part.elements[..<part.atomElement]
        let shortest = before.reduce(0) { $0 + $1.lengthRange.lowerBound } + part.atomOffset
        let longest = before.reduce(0) { $0 + $1.lengthRange.upperBound } + part.atomOffset
        var from = max(0, window.lowerBound) + shortest
        let last = window.upperBound > data.count ? data.count : window.upperBound + longest
        while from <= last, let hit = findAtom(of: part, from: from, latest: last) {
            from = hit + 1
            guard let spans = spans(of: part, literalAt: hit - part.atomOffset) else { continue }
            let starts = spans.starts.filter { window.contains($0) }
            if !starts.isEmpty, !visit(starts, spans.ends) { return }
        }
    }

    /// Matches `parts` in order, each at its earliest, starting after `from`; the last end, or `nil`.
    /// Earliest-first is exact here: between parts there are only lower bounds on distance.
    func chainEnd(_ body: CompiledBody, parts: Range<Int>, from: Int) -> Int? {
        var end = from
        for i in parts {
            guard let e = earliestEnd(of: body.parts[i], startingAtOrAfter: end + body.gaps[i]) else { return nil }
            end = e
        }
        return end
    }

    /// Whether a match may start at `start` under `boundary` (clamscan's `(W)` test: C-locale `isalnum`).
    func leftBoundary(_ start: Int, _ boundary: WordBoundary) -> Bool {
        switch boundary {
        case .none: return true
        case .ascii: return start == 0 || !ASCII.isAlphanumeric(data[start - 1])
        case .wide: return start <= 1 || !(ASCII.isAlphanumeric(data[start - 2]) && data[start - 1] == 0)
        }
    }

    /// Whether a match may end at `end` under `boundary`; the end of the data is a boundary.
    func rightBoundary(_ end: Int, _ boundary: WordBoundary) -> Bool {
        switch boundary {
        case .none: return true
        case .ascii: return end >= data.count || !ASCII.isAlphanumeric(data[end])
        case .wide:
            if end >= data.count { return true }
            if end + 1 == data.count { return !ASCII.isAlphanumeric(data[end]) }
            return !(ASCII.isAlphanumeric(data[end]) && data[end + 1] == 0)
        }
    }
}
