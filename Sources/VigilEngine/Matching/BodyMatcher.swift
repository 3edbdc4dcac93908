import VigilSignatures

/// Every body signature of an engine: floating ones found through one ``Prefilter`` pass, anchored ones
/// (`n`, `EOF-n`) checked where they must start.
struct BodyMatcher: Sendable {
    let bodies: [CompiledBody]
    private let prefilter: Prefilter
    private let anchored: [Int]

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
    }

    /// Finds matching signatures in `data`, calling `report(id)` for each; stops at the first unless `all`.
    func scan(_ data: UnsafeRawBufferPointer, state: inout BodyScanState, all: Bool, report: (Int) -> Void) {
        guard !bodies.isEmpty else { return }
        state.reset()
        let verifier = PartVerifier(data: data)
        var found = false
        for id in anchored {
            let body = bodies[id]
            let start: Int
            switch body.offset {
            case .absolute(let n): start = n
            case .fromEnd(let n): start = data.count - n
            case .any: continue
            }
            if start >= 0, state.verifyAnchored(body, id: id, start: start, in: verifier) {
                report(id)
                found = true
                if !all { return }
            }
        }
        if found && !all { return }
        prefilter.scan(data) { id, position in
            if state.verify(bodies[id], id: id, atomAt: position, in: verifier) {
                report(id)
                return all
            }
            return true
        }
    }
}
