import VigilSignatures

/// Every body signature of an engine: floating ones found through one ``Prefilter`` pass, anchored ones
/// (`n`, `EOF-n`) checked where they must start.
///
/// Which signature is reported first follows clamscan: it scans a file in buffers of 128 KiB (overlapping by
/// its longest pattern), and in each buffer its Boyer-Moore matcher (literal signatures) runs before its
/// Aho-Corasick matcher (signatures with wildcards). So a literal match anywhere in a buffer beats a wildcard
/// match earlier in the same buffer, and any match in an earlier buffer beats both.
struct BodyMatcher: Sendable {
    /// clamscan's `SCANBUFF`.
    static let bufferSize = 0x20000

    let bodies: [CompiledBody]
    private let prefilter: Prefilter
    private let anchored: [Int]
    /// clamscan's buffer step: its buffer size less its longest pattern.
    private let step: Int

    init(_ bodies: [CompiledBody]) {
        self.bodies = bodies
        var atoms: [(atom: [UInt8], id: Int)] = []
        var anchored: [Int] = []
        for (id, body) in bodies.enumerated() {
            if body.offset == .any {
                atoms.append((body.parts[body.watchedPart].atom, id))
            } else {
                anchored.append(id)
            }
        }
        prefilter = Prefilter(atoms: atoms)
        self.anchored = anchored
        let longest = bodies.map { $0.isPlain ? $0.minimumLength : $0.parts.map(\.minimumLength).max()! }.max() ?? 0
        step = Self.bufferSize - min(longest, Self.bufferSize / 2)
    }

    /// Where clamscan would report a match: buffer index, then literal before wildcard, then position.
    struct ReportOrder: Comparable {
        var buffer: Int, tier: Int, position: Int
        static func < (a: Self, b: Self) -> Bool {
            (a.buffer, a.tier, a.position) < (b.buffer, b.tier, b.position)
        }
    }

    private func order(_ body: CompiledBody, end: Int) -> ReportOrder {
        let buffer = end <= Self.bufferSize ? 0 : (end - Self.bufferSize + step - 1) / step
        return body.isPlain
            ? ReportOrder(buffer: buffer, tier: 0, position: end - body.minimumLength)
            : ReportOrder(buffer: buffer, tier: 1, position: end)
    }

    /// The last byte (exclusive) of the buffer with index `buffer`.
    private func bufferEnd(_ buffer: Int) -> Int { buffer * step + Self.bufferSize }

    /// Finds matching signatures in `data`, in clamscan's report order; only the first unless `all`.
    func scan(_ data: UnsafeRawBufferPointer, state: inout BodyScanState, all: Bool) -> [Int] {
        guard !bodies.isEmpty else { return [] }
        state.reset()
        let verifier = PartVerifier(data: data)
        var found: [(ReportOrder, Int)] = []
        var best: ReportOrder?
        func record(_ id: Int, end: Int) {
            let key = order(bodies[id], end: end)
            found.append((key, id))
            if best == nil || key < best! { best = key }
        }
        for id in anchored {
            let start: Int
            switch bodies[id].offset {
            case .absolute(let n): start = n
            case .fromEnd(let n): start = data.count - n
            case .any: continue
            }
            if start >= 0, let end = state.verifyAnchored(bodies[id], id: id, start: start, in: verifier) {
                record(id, end: end)
            }
        }
        prefilter.scan(data) { id, position in
            // Every match found from here on ends after `position`, so in a later buffer than `best`.
            if !all, let best, position >= bufferEnd(best.buffer) { return false }
            if let end = state.verify(bodies[id], id: id, atomAt: position, in: verifier) { record(id, end: end) }
            return true
        }
        found.sort { $0.0 < $1.0 }
        return all ? found.map(\.1) : found.prefix(1).map(\.1)
    }
}
