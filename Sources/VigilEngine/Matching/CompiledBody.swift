import VigilSignatures

/// What a compiled pattern belongs to.
enum PatternOwner: Sendable, Equatable {
    /// An `.ndb` signature; the value indexes the engine's name table.
    case body(name: Int)
    /// A subsignature of a logical signature; the value is its slot in the engine's subsignature table.
    case subsignature(slot: Int)
    /// An `.ndb` signature of a macro group (offset `$GROUP$`): never reported, its starts serve macro
    /// subsignatures.
    case macroMember(group: Int)
}

/// Where a pattern's match must meet a word boundary (`::f`).
enum WordBoundary: Sendable, Equatable {
    /// Not required.
    case none
    /// Bytes: the neighbours are not ASCII letters or digits.
    case ascii
    /// UTF-16LE: the neighbouring characters are not ASCII letters or digits.
    case wide
}

/// A pattern ready to match: its parts, the gaps between them, and which part the prefilter watches. A class,
/// so that the matcher's hot loop takes one reference rather than copying (and retaining) every field.
final class CompiledBody: Sendable {
    /// What a match counts for.
    let owner: PatternOwner
    /// ClamAV's target type.
    let target: Int
    /// Where the pattern must start.
    let offset: BodyOffset
    /// Parts separated by unbounded gaps.
    let parts: [PatternPart]
    /// `gaps[i]`: the least number of bytes between part `i - 1`'s end and part `i`'s start.
    let gaps: [Int]
    /// The part whose atom feeds the prefilter (the rarest).
    let watchedPart: Int
    /// Whether the pattern is one literal run: clamscan matches those with its Boyer-Moore matcher, which runs
    /// before its Aho-Corasick matcher on each buffer, so they win the report order.
    let isPlain: Bool
    /// Whether clamscan splits the pattern into parts (at `*` and at ranged or long jumps): such a pattern's
    /// matches are counted by their ends, others by their starts.
    let isSplit: Bool
    /// The word boundary required around a match.
    let boundary: WordBoundary
    /// Whether every match is logged for a later replay: a subsignature followed by a macro, or a macro
    /// group's member.
    let logsMatches: Bool
    /// The least number of bytes a match spans.
    let minimumLength: Int
    /// The least length of the pattern's last piece (after its last split point): clamscan's Aho-Corasick
    /// matcher reports a match where that piece starts, so the report order goes by it.
    let lastPieceLength: Int

    init(_ pattern: HexPattern, owner: PatternOwner, target: Int, offset: BodyOffset, caseless: Bool = false,
        boundary: WordBoundary = .none, logsMatches: Bool = false)
    {
        self.owner = owner
        if case .macroMember = owner { self.logsMatches = true } else { self.logsMatches = logsMatches }
        self.target = target
        self.offset = offset
        self.boundary = boundary
        let (parts, gaps) = PatternElement.parts(of: pattern, caseless: caseless)
        self.parts = parts
        self.gaps = gaps
        watchedPart = parts.indices.max(by: { parts[$0].atomScore < parts[$1].atomScore })!
        if parts.count == 1, parts[0].elements.count == 1, case .literal = parts[0].elements[0] {
            isPlain = true
        } else {
            isPlain = false
        }
        isSplit = pattern.tokens.contains(where: \.splitsPattern)
        minimumLength = parts.flatMap(\.elements).reduce(0) { $0 + $1.lengthRange.lowerBound } + gaps.reduce(0, +)
        var tail = 0
        pieces: for (index, token) in pattern.tokens.enumerated().reversed() {
            switch token {
            case .byte: tail += 1
            case .alternatives(let alts): tail += alts.map(\.count).min()!
            case .negatedAlternatives(let alts): tail += alts[0].count
            case .boundary: tail += index == 0 || index == pattern.tokens.count - 1 ? 0 : 1
            case .byteRange(let lo, _): tail += lo
            case .gap(let lo, _):
                if token.splitsPattern { break pieces }
                tail += lo
            }
        }
        lastPieceLength = tail
    }
}

/// A match kept for replaying macro subsignatures: where clamscan finds it (its start, or for a pattern it
/// splits the end of its last part) and the start it records for it (the first part's).
struct LoggedMatch: Comparable {
    var position: Int
    var start: Int
    static func < (a: Self, b: Self) -> Bool { (a.position, a.start) < (b.position, b.start) }
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
    /// Per subsignature slot: matches counted, and the last start (or end) counted.
    private var slotStamp: [UInt32]
    private var slotCount: [Int]
    private var slotLast: [Int]
    /// The slots counted in this layer, so that only their logical signatures are evaluated.
    private(set) var touchedSlots: [Int] = []
    /// Every match of the slots whose patterns log them (``CompiledBody/logsMatches``), before counting drops
    /// repeats.
    private var logged: [Int: [LoggedMatch]] = [:]
    /// The first of the slots after the subsignatures': one per target type and macro group.
    private let macroBase: Int

    init(count: Int, slots: Int) {
        macroBase = slots
        let slots = slots + (TargetType.highest + 1) * 32
        stamp = Array(repeating: 0, count: count)
        leftChainEnd = Array(repeating: 0, count: count)
        rightFailedFrom = Array(repeating: 0, count: count)
        matched = Array(repeating: false, count: count)
        slotStamp = Array(repeating: 0, count: slots)
        slotCount = Array(repeating: 0, count: slots)
        slotLast = Array(repeating: 0, count: slots)
    }

    mutating func reset() {
        generation &+= 1
        if generation == 0 {
            for i in stamp.indices { stamp[i] = 0 }
            for i in slotStamp.indices { slotStamp[i] = 0 }
            generation = 1
        }
        touchedSlots.removeAll(keepingCapacity: true)
        if !logged.isEmpty { logged.removeAll(keepingCapacity: true) }
    }

    /// The slot counting the matches of macro group `group`'s members of target type `target` (clamscan keeps
    /// a group per matcher root).
    func macroSlot(target: Int, group: Int) -> Int { macroBase + target * 32 + group }

    /// The slot a pattern's matches count in, or `nil` for an `.ndb` signature's own.
    func slot(of body: CompiledBody) -> Int? {
        switch body.owner {
        case .body: nil
        case .subsignature(let slot): slot
        case .macroMember(let group): macroSlot(target: body.target, group: group)
        }
    }

    /// The logged matches of `slot` in this layer (see ``CompiledBody/logsMatches``).
    func loggedMatches(_ slot: Int) -> [LoggedMatch] { logged[slot] ?? [] }

    /// The last position counted for subsignature `slot` in this layer (its last match's start, or end for a
    /// pattern clamscan splits); meaningful when ``count(_:)`` is above 0.
    func lastPosition(_ slot: Int) -> Int { slotStamp[slot] == generation ? slotLast[slot] : 0 }

    /// How many matches subsignature `slot` has in this layer.
    func count(_ slot: Int) -> Int { slotStamp[slot] == generation ? slotCount[slot] : 0 }

    /// Counts a match of `slot` at `position` (a start, or an end for split patterns) unless it is not past
    /// the last one counted: clamscan counts each start once, however many variants match there.
    mutating func countMatch(_ slot: Int, at position: Int, logging start: Int? = nil) {
        if let start { logged[slot, default: []].append(LoggedMatch(position: position, start: start)) }
        if slotStamp[slot] != generation {
            slotStamp[slot] = generation
            slotCount[slot] = 1
            slotLast[slot] = position
            touchedSlots.append(slot)
        } else if position > slotLast[slot] {
            slotCount[slot] += 1
            slotLast[slot] = position
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

    /// Marks pattern `id` as done for this layer; returns whether it already was.
    mutating func markDone(_ id: Int) -> Bool {
        touch(id)
        defer { matched[id] = true }
        return matched[id]
    }

    /// Verifies a candidate hit of signature `id`'s watched atom at `position`; returns where the match ends.
    mutating func verify(_ body: CompiledBody, id: Int, atomAt position: Int, in verifier: PartVerifier) -> Int? {
        touch(id)
        if matched[id] { return nil }
        let watched = body.parts[body.watchedPart]
        guard let hit = verifier.occurrence(of: watched, literalAt: position - watched.atomOffset) else { return nil }
        if hit.earliestEnd >= rightFailedFrom[id] { return nil }
        if leftChainEnd[id] == .min {
            leftChainEnd[id] = verifier.chainEnd(body, parts: 0..<body.watchedPart, from: 0) ?? -1
        }
        let left = leftChainEnd[id]
        if left < 0 || hit.latestStart < left + body.gaps[body.watchedPart] { return nil }
        guard let end = verifier.chainEnd(body, parts: (body.watchedPart + 1)..<body.parts.count, from: hit.earliestEnd)
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
            let end = verifier.chainEnd(body, parts: 1..<body.parts.count, from: first)
        else { return nil }
        matched[id] = true
        return end
    }
}

extension HexToken {
    /// Whether clamscan splits a pattern here: at `*`, at a ranged jump, and at a fixed jump of 128 or more.
    var splitsPattern: Bool {
        guard case .gap(let lo, let hi) = self else { return false }
        return hi == nil || hi != lo || lo >= 128
    }
}
