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

    /// How many patterns there are (ids `0..<patternCount`).
    let patternCount: Int
    /// Per target type (index 0: generic only): the prefilter and the window-bound patterns.
    private let roots: [Root?]
    /// clamscan's buffer step: its buffer size less its longest pattern.
    private let step: Int
    /// Per pattern: how far into it clamscan's Boyer-Moore matcher keys it, which moves where it reports a
    /// match (0 for patterns it does not match by Boyer-Moore).
    private let reportShift: FlatTable<Int32>

    struct Root: Sendable {
        var prefilter: Prefilter
        /// Patterns bound to an offset window, checked in it on every layer.
        var windowed: FlatTable<Int32>
        /// Patterns at one exact offset from the start or end that begin with 4 literal bytes, found by looking
        /// those bytes up at each such offset: a layer costs one lookup per distinct offset, not one per pattern.
        /// Per offset (`pinDelta`, from the end when `pinFromEnd`): `pinStart[p]..<pinStart[p + 1]` in
        /// `pinWords` (sorted) and `pinIDs`.
        var pinDelta: FlatTable<Int64>
        var pinFromEnd: FlatTable<UInt8>
        var pinStart: FlatTable<Int32>
        var pinWords: FlatTable<UInt32>
        var pinIDs: FlatTable<Int32>

        init(_ reader: inout ImageReader, patterns: Int) throws(ImageError) {
            prefilter = try Prefilter(&reader, patterns: patterns)
            windowed = try reader.table("RWIN")
            pinDelta = try reader.table("RPDL")
            pinFromEnd = try reader.table("RPFE")
            pinStart = try reader.table("RPST")
            pinWords = try reader.table("RPWD")
            pinIDs = try reader.table("RPID")
            guard pinFromEnd.count == pinDelta.count, pinStart.count == pinDelta.count + 1,
                pinWords.count == pinIDs.count, pinStart.buffer.allSatisfy({ $0 >= 0 && Int($0) <= pinIDs.count }),
                (1..<pinStart.count).allSatisfy({ pinStart[$0 - 1] <= pinStart[$0] }),
                windowed.buffer.allSatisfy({ $0 >= 0 && Int($0) < patterns }),
                pinIDs.buffer.allSatisfy({ $0 >= 0 && Int($0) < patterns })
            else { throw ImageError("malformed: pattern root tables disagree") }
        }

        /// The ids of the patterns pinned at offset `p` whose first 4 bytes are `word`.
        func pinned(_ p: Int, word: UInt32) -> UnsafeBufferPointer<Int32> {
            var lo = Int(pinStart[p]), hi = Int(pinStart[p + 1])
            let end = hi
            while lo < hi {
                let mid = (lo + hi) / 2
                if pinWords[mid] < word { lo = mid + 1 } else { hi = mid }
            }
            var last = lo
            while last < end && pinWords[last] == word { last += 1 }
            return pinIDs[lo..<last]
        }
    }

    /// An exact start: `delta` from the file's start, or from its end.
    struct PinnedOffset: Hashable, Comparable {
        var fromEnd: Bool
        var delta: Int
        static func < (a: Self, b: Self) -> Bool { (a.fromEnd ? 1 : 0, a.delta) < (b.fromEnd ? 1 : 0, b.delta) }
    }

    /// The 4 literal bytes a pattern starts with, if it does.
    private static func leadingWord(_ body: CompiledBody) -> UInt32? {
        guard case .literal(let bytes) = body.parts[0].elements[0], bytes.count >= 4 else { return nil }
        return UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
    }

    init(_ reader: inout ImageReader) throws(ImageError) {
        patternCount = try reader.integer("BCNT", in: 0...Int(Int32.max >> 3))
        step = try reader.integer("BSTP", in: (Self.bufferSize / 2)...Self.bufferSize)
        reportShift = try reader.table("BSHF")
        guard reportShift.count == patternCount else { throw ImageError("malformed: pattern tables disagree") }
        var roots: [Root?] = []
        for _ in 0...TargetType.highest {
            roots.append(try reader.flag("ROOT") ? try Root(&reader, patterns: patternCount) : nil)
        }
        guard roots[0] != nil else { throw ImageError("malformed: no generic pattern root") }
        self.roots = roots
    }

    /// Writes the matcher for `bodies` (pattern id = index).
    static func write(_ bodies: [CompiledBody], to writer: inout ImageWriter) {
        let longest = bodies.map { $0.isPlain ? $0.minimumLength : $0.parts.map(\.minimumLength).max()! }.max() ?? 0
        writer.put("BCNT", bodies.count)
        writer.put("BSTP", Self.bufferSize - min(longest, Self.bufferSize / 2))
        writer.put("BSHF", boyerMooreShifts(bodies).map { Int32($0) })
        let used = Set(bodies.map(\.target)).union([0])
        for target in 0...TargetType.highest {
            writer.put("ROOT", used.contains(target))
            guard used.contains(target) else { continue }
            var atoms: [(atom: [UInt8], id: Int, best: Int)] = []
            var windowed: [Int32] = []
            var pinned: [PinnedOffset: [(word: UInt32, id: Int32)]] = [:]
            for (id, body) in bodies.enumerated() where body.target == 0 || body.target == target {
                switch body.offset {
                case .any:
                    let part = body.parts[body.watchedPart]
                    for variant in Self.variants(of: part) { atoms.append((variant, id, part.bestWindow)) }
                case .at(let anchor, let delta, 0) where anchor == .fileStart || anchor == .fileEnd:
                    if let word = Self.leadingWord(body) {
                        pinned[PinnedOffset(fromEnd: anchor == .fileEnd, delta: delta), default: []]
                            .append((word, Int32(id)))
                    } else {
                        windowed.append(Int32(id))
                    }
                default:
                    windowed.append(Int32(id))
                }
            }
            Prefilter.write(atoms: atoms, to: &writer)
            writer.put("RWIN", windowed)
            let pins = pinned.keys.sorted()
            var starts: [Int32] = [0]
            var entries: [(word: UInt32, id: Int32)] = []
            for pin in pins {
                entries += pinned[pin]!.sorted { ($0.word, $0.id) < ($1.word, $1.id) }
                starts.append(Int32(entries.count))
            }
            writer.put("RPDL", pins.map { Int64($0.delta) })
            writer.put("RPFE", pins.map { UInt8($0.fromEnd ? 1 : 0) })
            writer.put("RPST", starts)
            writer.put("RPWD", entries.map(\.word))
            writer.put("RPID", entries.map(\.id))
        }
    }

    /// clamscan's Boyer-Moore matcher (plain literal `.ndb` patterns of target types 0 and 1, each type its own
    /// table) keys a pattern by its first 3-byte window whose bucket is still empty when the pattern is added,
    /// in load order, to spread the buckets (`cli_bm_addpatt`); it reports a match where that window starts,
    /// and patterns sharing a bucket newest first. This replays the additions to know each pattern's window.
    static func boyerMooreShifts(_ bodies: [CompiledBody]) -> [Int] {
        var shifts = Array(repeating: 0, count: bodies.count)
        var used = [[Bool]](repeating: Array(repeating: false, count: 211 * 255 + 37 * 255 + 256), count: 2)
        for (id, body) in bodies.enumerated() {
            guard case .body = body.owner, body.isPlain, body.target <= 1,
                case .literal(let bytes) = body.parts[0].elements[0], bytes.count >= 3
            else { continue }
            func bucket(_ i: Int) -> Int { 211 * Int(bytes[i]) + 37 * Int(bytes[i + 1]) + Int(bytes[i + 2]) }
            let shift = (0...(bytes.count - 3)).first { !used[body.target][bucket($0)] } ?? 0
            shifts[id] = shift
            used[body.target][bucket(shift)] = true
        }
        return shifts
    }

    /// The byte strings the prefilter must watch for `part`'s atom: every case variant of a caseless one.
    static func variants(of part: PatternPart) -> [[UInt8]] {
        guard part.atomIsCaseless else { return [part.atom] }
        var out: [[UInt8]] = [[]]
        for b in part.atom {
            out = ASCII.isUppercase(b) ? out.flatMap { [$0 + [b], $0 + [b | 0x20]] } : out.map { $0 + [b] }
        }
        return out
    }

    /// Whether any pattern applies to target type `target` beyond the generic ones.
    func hasPatterns(for target: Int) -> Bool { target != 0 && target <= TargetType.highest && roots[target] != nil }

    /// Where clamscan would report a match: buffer, target before generic, literal before wildcard, position.
    struct ReportOrder: Comparable {
        var buffer: Int, generic: Int, tier: Int, position: Int, tie: Int
        static func < (a: Self, b: Self) -> Bool {
            (a.buffer, a.generic, a.tier, a.position, a.tie) < (b.buffer, b.generic, b.tier, b.position, b.tie)
        }
    }

    private func order(_ body: CompiledBody, _ id: Int, end: Int) -> ReportOrder {
        let buffer = end <= Self.bufferSize ? 0 : (end - Self.bufferSize + step - 1) / step
        let generic = body.target == 0 ? 1 : 0
        return body.isPlain
            ? ReportOrder(buffer: buffer, generic: generic, tier: 0,
                position: end - body.minimumLength + Int(reportShift[id]), tie: -id)
            : ReportOrder(buffer: buffer, generic: generic, tier: 1, position: end - body.lastPieceLength, tie: id)
    }

    /// The last byte (exclusive) of the buffer with index `buffer`.
    private func bufferEnd(_ buffer: Int) -> Int { buffer * step + Self.bufferSize }

    /// Matches one layer: returns the `.ndb` signatures that match (with their name indexes), in clamscan's
    /// report order (only the first unless `all`), and leaves every subsignature's match count in `state`.
    func scan(_ data: UnsafeRawBufferPointer, target: Int, offsets: OffsetResolver, state: inout BodyScanState,
        decoded: inout DecodedSignatures, all: Bool) -> [Int]
    {
        state.reset()
        guard let root = roots[target < roots.count ? target : 0] ?? roots[0] else { return [] }
        let verifier = PartVerifier(data: data)
        var found: [(ReportOrder, Int)] = []
        var best: ReportOrder?
        func record(_ body: CompiledBody, _ id: Int, end: Int) {
            guard case .body(let name) = body.owner else { return }
            let key = order(body, id, end: end)
            found.append((key, name))
            if best == nil || key < best! { best = key }
        }
        func check(_ body: CompiledBody, _ id: Int, in window: ClosedRange<Int>) {
            if let slot = state.slot(of: body) {
                state.countAll(body, slot: slot, window: window, in: verifier)
            } else if let end = state.firstMatch(body, id: id, window: window, in: verifier) {
                record(body, id, end: end)
            }
        }
        var versionInfoStarts: [Int]?  // read once, when the first `VI` signature is checked
        func checkWindowed(_ id: Int) {
            guard let body = decoded.body(id) else { return }
            if body.offset.isVersionInfo {
                if versionInfoStarts == nil { versionInfoStarts = offsets.versionInfoStarts(in: data) }
                for start in versionInfoStarts! { check(body, id, in: start...start) }
            } else if let window = offsets.window(body.offset) {
                check(body, id, in: window)
            }
        }
        for id in root.windowed.buffer { checkWindowed(Int(id)) }
        for p in root.pinDelta.indices {
            let fromEnd = root.pinFromEnd[p] != 0
            let delta = Int(root.pinDelta[p])
            let start = fromEnd ? data.count + delta : delta
            guard start >= 0, start + 4 <= data.count,
                offsets.window(.at(fromEnd ? .fileEnd : .fileStart, delta: delta, shift: 0)) != nil
            else { continue }
            for id in root.pinned(p, word: data.loadUnaligned(fromByteOffset: start, as: UInt32.self)) {
                checkWindowed(Int(id))
            }
        }
        root.prefilter.scan(data) { id, position in
            // Every match found from here on ends after `position`, so in a later buffer than `best`.
            if !all, let best, position >= bufferEnd(best.buffer) { return false }
            guard let body = decoded.body(id) else { return true }
            if let slot = state.slot(of: body) {
                if body.parts.count == 1 {
                    state.countCandidate(body, slot: slot, atomAt: position, in: verifier)
                } else if !state.markDone(id) {
                    state.countAll(body, slot: slot, window: 0...data.count, in: verifier)
                }
            } else if let end = state.verify(body, id: id, atomAt: position, in: verifier) {
                record(body, id, end: end)
            }
            return true
        }
        found.sort { $0.0 < $1.0 }
        return all ? found.map(\.1) : found.prefix(1).map(\.1)
    }
}
