import VigilSignatures

/// Every pattern of an engine (`.ndb` signatures and `.ldb` subsignatures): floating ones found through one
/// ``Prefilter`` pass per layer, offset-bound ones checked inside their windows.
///
/// A layer is matched against the generic patterns (target type 0) plus those of at most one target type,
/// as clamscan does; each combination has its own prefilter so that patterns of other types cost nothing.
///
/// Which `.ndb` signature is reported first follows clamscan: it scans a file in buffers of 128 KiB
/// (overlapping by its longest pattern); in each buffer the target type's patterns before the generic ones,
/// and within each its Boyer-Moore matcher (literal patterns) before its Aho-Corasick matcher (patterns with
/// wildcards). So a match in an earlier buffer beats any later one.
struct BodyMatcher: Sendable {
    /// clamscan's `SCANBUFF`.
    static let bufferSize = 0x20000

    let bodies: [CompiledBody]
    /// Per target type (index 0: generic only): the prefilter and the window-bound patterns.
    private let roots: [Root?]
    /// clamscan's buffer step: its buffer size less its longest pattern.
    private let step: Int

    struct Root: Sendable {
        var prefilter: Prefilter
        var windowed: [Int]
    }

    init(_ bodies: [CompiledBody]) {
        self.bodies = bodies
        var roots: [Root?] = Array(repeating: nil, count: TargetType.highest + 1)
        let used = Set(bodies.map(\.target)).union([0])
        for target in used.sorted() {
            var atoms: [(atom: [UInt8], id: Int, best: Int)] = []
            var windowed: [Int] = []
            for (id, body) in bodies.enumerated() where body.target == 0 || body.target == target {
                if body.offset == .any {
                    let part = body.parts[body.watchedPart]
                    for variant in Self.variants(of: part) { atoms.append((variant, id, part.bestWindow)) }
                } else {
                    windowed.append(id)
                }
            }
            // Target-specific patterns first, as clamscan scans the target's root before the generic one.
            windowed.sort { (bodies[$0].target == 0 ? 1 : 0, $0) < (bodies[$1].target == 0 ? 1 : 0, $1) }
            roots[target] = Root(prefilter: Prefilter(atoms: atoms), windowed: windowed)
        }
        self.roots = roots
        let longest = bodies.map { $0.isPlain ? $0.minimumLength : $0.parts.map(\.minimumLength).max()! }.max() ?? 0
        step = Self.bufferSize - min(longest, Self.bufferSize / 2)
    }

    /// The byte strings the prefilter must watch for `part`'s atom: every case variant of a caseless one.
    static func variants(of part: PatternPart) -> [[UInt8]] {
        guard part.atomIsCaseless else { return [part.atom] }
        var out: [[UInt8]] = [[]]
        for b in part.atom {
            out = isLetter(b) ? out.flatMap { [$0 + [b], $0 + [b | 0x20]] } : out.map { $0 + [b] }
        }
        return out
    }

    /// Whether any pattern applies to target type `target` beyond the generic ones.
    func hasPatterns(for target: Int) -> Bool { target != 0 && target <= TargetType.highest && roots[target] != nil }

    /// Where clamscan would report a match: buffer, target before generic, literal before wildcard, position.
    struct ReportOrder: Comparable {
        var buffer: Int, generic: Int, tier: Int, position: Int
        static func < (a: Self, b: Self) -> Bool {
            (a.buffer, a.generic, a.tier, a.position) < (b.buffer, b.generic, b.tier, b.position)
        }
    }

    private func order(_ body: CompiledBody, end: Int) -> ReportOrder {
        let buffer = end <= Self.bufferSize ? 0 : (end - Self.bufferSize + step - 1) / step
        let generic = body.target == 0 ? 1 : 0
        return body.isPlain
            ? ReportOrder(buffer: buffer, generic: generic, tier: 0, position: end - body.minimumLength)
            : ReportOrder(buffer: buffer, generic: generic, tier: 1, position: end - body.lastPieceLength)
    }

    /// The last byte (exclusive) of the buffer with index `buffer`.
    private func bufferEnd(_ buffer: Int) -> Int { buffer * step + Self.bufferSize }

    /// Matches one layer: returns the `.ndb` signatures that match, in clamscan's report order (only the
    /// first unless `all`), and leaves every subsignature's match count in `state`.
    func scan(_ data: UnsafeRawBufferPointer, target: Int, offsets: OffsetResolver, state: inout BodyScanState,
        all: Bool) -> [Int]
    {
        state.reset()
        guard let root = roots[target < roots.count ? target : 0] ?? roots[0] else { return [] }
        let verifier = PartVerifier(data: data)
        var found: [(ReportOrder, Int)] = []
        var best: ReportOrder?
        func record(_ id: Int, end: Int) {
            let key = order(bodies[id], end: end)
            found.append((key, id))
            if best == nil || key < best! { best = key }
        }
        for id in root.windowed {
            let body = bodies[id]
            guard let window = offsets.window(body.offset) else { continue }
            switch body.owner {
            case .body:
                if let end = state.firstMatch(body, id: id, window: window, in: verifier) { record(id, end: end) }
            case .subsignature(let slot):
                state.countAll(body, slot: slot, window: window, in: verifier)
            }
        }
        root.prefilter.scan(data) { id, position in
            // Every match found from here on ends after `position`, so in a later buffer than `best`.
            if !all, let best, position >= bufferEnd(best.buffer) { return false }
            let body = bodies[id]
            switch body.owner {
            case .body:
                if let end = state.verify(body, id: id, atomAt: position, in: verifier) { record(id, end: end) }
            case .subsignature(let slot):
                if body.parts.count == 1 {
                    state.countCandidate(body, slot: slot, atomAt: position, in: verifier)
                } else if !state.markDone(id) {
                    state.countAll(body, slot: slot, window: 0...data.count, in: verifier)
                }
            }
            return true
        }
        found.sort { $0.0 < $1.0 }
        return all ? found.map(\.1) : found.prefix(1).map(\.1)
    }
}
