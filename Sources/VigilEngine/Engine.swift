/// The matching core: compiles signatures into an immutable ``Engine`` and scans buffers with a per-thread
/// ``Scanner``. No Foundation: this module runs in every scan and must start fast.
import VigilFormats
import VigilSignatures

/// A detection: which signature matched.
public struct Detection: Sendable, Equatable, CustomStringConvertible {
    /// What kind of signature matched.
    public enum Kind: Sendable, Equatable {
        /// A whole-file digest (`.hdb`, `.hsb`, or the built-in test-file hash).
        case hash(HashAlgorithm)
        /// A body pattern (`.ndb`).
        case body
        /// A logical signature (`.ldb`).
        case logical
        /// The built-in EICAR test-file rule.
        case eicar
    }

    /// The signature's name, as printed before `FOUND`.
    public var name: String
    /// The kind of signature.
    public var kind: Kind

    /// Creates a detection.
    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// The name.
    public var description: String { name }
}

/// Compiled signatures, immutable and shared by every scanning thread.
public final class Engine: Sendable {
    /// How many signatures the engine holds (clamscan's "Known viruses").
    public let signatureCount: Int
    /// Whether the built-in EICAR rule is active.
    public let detectsEICAR: Bool
    /// Signatures the parser accepted but the engine could not compile, each with the reason.
    public let skipped: [String]

    let names: NameTable
    let hashes: HashIndex
    /// Allow-listed digests (`.fp`, `.sfp`).
    let allowed: HashIndex
    /// PE section digests (`.mdb`, `.msb`) and import-table digests (`.imp`).
    let sectionHashes: HashIndex
    let importHashes: HashIndex
    let bodies: BodyMatcher
    let logicals: [CompiledLogical]
    /// The logical signature owning each subsignature slot.
    let slotOwners: [Int]
    /// Per target type: the logical signatures evaluated on every layer of that type (their expression holds
    /// without matches), in load order.
    let alwaysEvaluated: [[Int]]
    /// Whether any signature needs an executable's layout: an offset from the entry point or a section, a
    /// target description's `EntryPoint` or `NumberOfSections`, or `EOF-n` (which clamscan resolves only when
    /// an executable's headers parse). Otherwise files are not parsed as executables at all.
    let usesExecutableLayout: Bool

    /// Compiles a signature set; with `builtins`, adds ``BuiltinSignatures`` (EICAR and ClamAV's test file).
    public init(_ signatures: SignatureSet, builtins: Bool = false) {
        var names = NameTable()
        var all = signatures.hashes
        if builtins { all += BuiltinSignatures.hashes }
        let hashes = HashIndex(all, firstName: 0)
        names.append(contentsOf: all.map(\.name))
        allowed = HashIndex(signatures.allowed, firstName: 0)
        sectionHashes = HashIndex(signatures.sectionHashes, firstName: names.count)
        names.append(contentsOf: signatures.sectionHashes.map(\.name))
        importHashes = HashIndex(signatures.importHashes, firstName: names.count)
        names.append(contentsOf: signatures.importHashes.map(\.name))
        var patterns: [CompiledBody] = []
        for signature in signatures.bodies {
            patterns.append(CompiledBody(signature.pattern, owner: .body(name: names.count), target: signature.target,
                offset: signature.offset))
            names.append(signature.name)
        }
        var logicals: [CompiledLogical] = []
        var slotOwners: [Int] = []
        var alwaysEvaluated = Array(repeating: [Int](), count: TargetType.highest + 1)
        var skipped: [String] = []
        for signature in signatures.logicals {
            let logical: CompiledLogical
            do throws(RegexError) {
                logical = try CompiledLogical(signature, name: names.count, firstSlot: slotOwners.count)
            } catch {
                skipped.append("\(signature.name): PCRE: \(error.message); signature skipped")
                continue
            }
            names.append(signature.name)
            for case (let index, .hex(let subsignature)) in signature.subsignatures.enumerated() {
                patterns += CompiledLogical.patterns(of: subsignature, slot: logical.firstSlot + index,
                    target: logical.target)
            }
            slotOwners += Array(repeating: logicals.count, count: signature.subsignatures.count)
            if logical.holdsWithoutMatches { alwaysEvaluated[logical.target].append(logicals.count) }
            logicals.append(logical)
        }
        self.skipped = skipped
        self.names = names
        self.hashes = hashes
        self.bodies = BodyMatcher(patterns)
        self.logicals = logicals
        self.slotOwners = slotOwners
        self.alwaysEvaluated = alwaysEvaluated
        usesExecutableLayout =
            patterns.contains { $0.offset.dependsOnLayout }
            || logicals.contains {
                $0.description.entryPoint != nil || $0.description.numberOfSections != nil
                    || $0.expressions.contains { $0.pcre.offset.dependsOnLayout }
            }
        self.detectsEICAR = builtins
        self.signatureCount = all.count + signatures.sectionHashes.count + signatures.importHashes.count
            + signatures.bodies.count + logicals.count + (builtins ? 1 : 0)
    }
}

/// Scans buffers against an ``Engine``. One per thread: it holds scratch state reused between files.
public struct Scanner {
    /// The engine scanned against.
    public let engine: Engine
    private var state: BodyScanState
    private var normalized: [UInt8] = []

    /// Creates a scanner for `engine`.
    public init(engine: Engine) {
        self.engine = engine
        state = BodyScanState(count: engine.bodies.bodies.count, slots: engine.slotOwners.count)
    }

    /// Scans the whole content of one file or stream.
    ///
    /// - Parameters:
    ///   - data: the content.
    ///   - allMatch: report every matching signature, not only the first (clamscan's `--allmatch`).
    /// - Returns: detections in clamscan's order: EICAR, then per layer (the raw content; for text its
    ///   normalised form, for other data a second pass for target type 14) body signatures, whole-file
    ///   hashes and logical signatures.
    public mutating func scan(_ data: UnsafeRawBufferPointer, allMatch: Bool = false) -> [Detection] {
        let found = detect(data, allMatch: allMatch)
        return found.isEmpty || !isAllowListed(data) ? found : []
    }

    /// Whether the content's digest is on an allow list: clamscan then drops every alert it raises.
    private func isAllowListed(_ data: UnsafeRawBufferPointer) -> Bool {
        let algorithms = engine.allowed.algorithms(forSize: data.count)
        return ContentHasher.digests(of: data, algorithms).contains { algorithm, digest in
            !engine.allowed.matches(algorithm, digest: digest, size: data.count).isEmpty
        }
    }

    private mutating func detect(_ data: UnsafeRawBufferPointer, allMatch: Bool) -> [Detection] {
        var found: [Detection] = []
        // clamscan does not scan files of five bytes or fewer.
        guard data.count > 5 else { return found }
        if engine.detectsEICAR, BuiltinSignatures.isEICAR(data) {
            found.append(Detection(name: BuiltinSignatures.eicarName, kind: .eicar))
            if !allMatch { return found }
        }
        let layout = FileLayout(data, parseExecutable: engine.usesExecutableLayout)
        for (index, layer) in layout.layers.enumerated() {
            // A repeat pass over the same bytes finds nothing new but its own target's patterns, so without
            // --allmatch it is skipped unless that target has any.
            if index > 0, !layer.normalised, !allMatch, !engine.bodies.hasPatterns(for: layer.target),
                engine.alwaysEvaluated[layer.target].isEmpty
            {
                continue
            }
            // Without body or logical signatures a pass without hashes (normalised text) can find nothing.
            if !layer.hashes, engine.bodies.bodies.isEmpty, engine.logicals.isEmpty { continue }
            let executable = index == 0 ? layout.executable : nil
            let done: Bool
            if layer.normalised {
                TextNormalizer.normalize(data, into: &normalized)
                done = normalized.withUnsafeBytes {
                    scanLayer($0, target: layer.target, executable: nil, hashes: layer.hashes, allMatch: allMatch,
                        into: &found)
                }
            } else {
                done = scanLayer(data, target: layer.target, executable: executable, hashes: layer.hashes,
                    allMatch: allMatch, into: &found)
            }
            if done { return found }
            if index == 0, layout.type == .msexe, scanPE(data, allMatch: allMatch, into: &found) { return found }
        }
        return found
    }

    /// clamscan's PE pass after the raw scan: section digests (`.mdb`, `.msb`), then the import-table digest
    /// (`.imp`). Returns whether the scan is over.
    private func scanPE(_ data: UnsafeRawBufferPointer, allMatch: Bool, into found: inout [Detection]) -> Bool {
        func check(_ index: HashIndex, _ bytes: UnsafeRawBufferPointer) -> Bool {
            for (algorithm, digest) in ContentHasher.digests(of: bytes, index.algorithms(forSize: bytes.count)) {
                for name in index.matches(algorithm, digest: digest, size: bytes.count) {
                    found.append(Detection(name: engine.names[name], kind: .hash(algorithm)))
                    if !allMatch { return true }
                }
            }
            return false
        }
        if !engine.sectionHashes.isEmpty, let ranges = PortableExecutable.sectionHashRanges(data) {
            for range in ranges where check(engine.sectionHashes, UnsafeRawBufferPointer(rebasing: data[range])) {
                return true
            }
        }
        if !engine.importHashes.isEmpty, let text = PortableExecutable.importTableHashInput(data) {
            if text.withUnsafeBytes({ check(engine.importHashes, $0) }) { return true }
        }
        return false
    }

    /// Scans one layer: body signatures, then whole-file hashes, then logical signatures. Returns whether
    /// the scan is over (a detection without `allMatch`).
    private mutating func scanLayer(_ data: UnsafeRawBufferPointer, target: Int, executable: ExecutableLayout?,
        hashes: Bool, allMatch: Bool, into found: inout [Detection]) -> Bool
    {
        let offsets = OffsetResolver(size: data.count, layout: executable,
            isExecutable: TargetType.executables.contains(target))
        for id in engine.bodies.scan(data, target: target, offsets: offsets, state: &state, all: allMatch) {
            guard case .body(let name) = engine.bodies.bodies[id].owner else { continue }
            found.append(Detection(name: engine.names[name], kind: .body))
            if !allMatch { return true }
        }
        if hashes {
            let algorithms = engine.hashes.algorithms(forSize: data.count)
            for (algorithm, digest) in ContentHasher.digests(of: data, algorithms) {
                for name in engine.hashes.matches(algorithm, digest: digest, size: data.count) {
                    found.append(Detection(name: engine.names[name], kind: .hash(algorithm)))
                    if !allMatch { return true }
                }
            }
        }
        let verifier = PartVerifier(data: data)
        for index in logicalCandidates(target: target) {
            let logical = engine.logicals[index]
            for (index, comparison) in logical.comparisons {
                comparison.run(on: data, referenceSlot: logical.firstSlot + comparison.reference,
                    slot: logical.firstSlot + index, state: &state)
            }
            for pcre in logical.expressions {
                pcre.run(on: verifier, offsets: offsets, slot: logical.firstSlot + pcre.index, state: &state)
            }
            if logical.matches(counts: { state.count($0) }, size: data.count, layout: executable) {
                found.append(Detection(name: engine.names[logical.name], kind: .logical))
                if !allMatch { return true }
            }
        }
        return false
    }

    /// The logical signatures to evaluate on a layer: those whose subsignatures matched and those that hold
    /// without matches; the target type's before the generic ones, each in load order.
    private func logicalCandidates(target: Int) -> [Int] {
        guard !engine.logicals.isEmpty else { return [] }
        var touched = Set(state.touchedSlots.map { engine.slotOwners[$0] })
        if target != 0 { touched.formUnion(engine.alwaysEvaluated[target]) }
        touched.formUnion(engine.alwaysEvaluated[0])
        return touched.sorted { a, b in
            let (la, lb) = (engine.logicals[a], engine.logicals[b])
            return (la.target == 0 ? 1 : 0, a) < (lb.target == 0 ? 1 : 0, b)
        }
    }
}
