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
        /// A container metadata signature (`.cdb`).
        case containerMetadata
        /// A heuristic: a limit reached (`Heuristics.Limits.Exceeded.*`) or an encrypted member
        /// (`Heuristics.Encrypted.*`).
        case heuristic
        /// A YARA rule (named `YARA.<rule>`).
        case yara
    }

    /// The signature's name, as printed before `FOUND`.
    public var name: String
    /// The kind of signature.
    public var kind: Kind
    /// Where inside the scanned file it matched: the names of the members leading to it, outermost first
    /// (empty for the file itself).
    public var chain: [String]
    /// For a YARA rule: its namespace, tags, metadata and string matches.
    public var yara: YaraRuleMatch?

    /// Creates a detection.
    public init(name: String, kind: Kind, chain: [String] = [], yara: YaraRuleMatch? = nil) {
        self.name = name
        self.kind = kind
        self.chain = chain
        self.yara = yara
    }

    /// The name.
    public var description: String { name }
}

/// How many signatures of each kind an engine holds.
public struct SignatureCounts: Sendable, Equatable {
    /// Whole-file digests (`.hdb`, `.hsb` and built-ins) by algorithm.
    public var md5 = 0, sha1 = 0, sha256 = 0
    /// PE section digests (`.mdb`, `.msb`) and import-table digests (`.imp`).
    public var sections = 0, imports = 0
    /// Allow-listed digests (`.fp`, `.sfp`).
    public var allowed = 0
    /// Body signatures (`.ndb`) and logical signatures (`.ldb`).
    public var bodies = 0, logicals = 0
    /// Container metadata signatures (`.cdb`).
    public var containers = 0

    /// Creates counts.
    public init() {}

    var values: [Int] { [md5, sha1, sha256, sections, imports, allowed, bodies, logicals, containers] }

    fileprivate init(values: FlatTable<Int64>) throws(ImageError) {
        guard values.count == 9, values.buffer.allSatisfy({ $0 >= 0 }) else {
            throw ImageError("malformed: signature counts")
        }
        let v = values.buffer.map { Int($0) }
        (md5, sha1, sha256, sections, imports, allowed, bodies, logicals) = (
            v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
        )
        containers = v[8]
    }
}

/// Compiled signatures, immutable and shared by every scanning thread.
///
/// Its tables live in one flat image (docs/VDB.md): signatures compiled from text are written into it in
/// memory, and a compiled database (`.vdb`) is that image mapped from disk, so both run the same code.
public final class Engine: Sendable {
    /// How many signatures the engine holds (clamscan's "Known viruses").
    public let signatureCount: Int
    /// How many of each kind.
    public let counts: SignatureCounts
    /// Whether the built-in EICAR rule is active.
    public let detectsEICAR: Bool
    /// Signatures the parser accepted but the engine could not compile, each with the reason (text only: a
    /// compiled database holds none).
    public let skipped: [String]
    /// Lines the compiler recorded about where the signatures came from (`vigil db info` prints them).
    public let provenance: [String]
    /// Compiled YARA rules, matched against each scanned file as a whole (not against archive members, as YARA
    /// itself scans). Held in memory: a compiled database (`.vdb`) does not carry them.
    public let yara: YaraRules?
    /// Whether there is any signature besides YARA rules (built-ins included); without, files are matched against
    /// the YARA rules alone, with no type detection or unpacking.
    let hasClamAVSignatures: Bool

    let storage: ImageStorage
    let names: NameTable
    let hashes: HashIndex
    /// Allow-listed digests (`.fp`, `.sfp`).
    let allowed: HashIndex
    /// PE section digests (`.mdb`, `.msb`) and import-table digests (`.imp`).
    let sectionHashes: HashIndex
    let importHashes: HashIndex
    let bodies: BodyMatcher
    let sources: SignatureSources
    /// Container metadata signatures (`.cdb`).
    let containerSignatures: ContainerSignatureSources
    /// Per target type: the logical signatures evaluated on every layer of that type (their expression holds
    /// without matches), in load order.
    let alwaysEvaluated: [FlatTable<UInt32>]
    /// Whether any signature needs an executable's layout: an offset from the entry point or a section, a
    /// target description's `EntryPoint` or `NumberOfSections`, or `EOF-n` (which clamscan resolves only when
    /// an executable's headers parse). Otherwise files are not parsed as executables at all.
    let usesExecutableLayout: Bool

    /// Compiles a signature set; with `builtins`, adds ``BuiltinSignatures`` (EICAR and ClamAV's test file).
    /// `yara` rules count among the signatures.
    public convenience init(_ signatures: SignatureSet, builtins: Bool = false, yara: YaraRules? = nil) {
        let (image, skipped) = Self.compile(signatures, builtins: builtins, provenance: [])
        do throws(ImageError) {
            try self.init(image: image, skipped: skipped, yara: yara)
        } catch {
            fatalError("Vigil could not read the image it compiled: \(error)")
        }
    }

    /// Uses a compiled image (a mapped `.vdb`); its header and checksum must have been checked already (see
    /// ``ImageHeader``). Fails if its tables are inconsistent.
    public convenience init(image storage: ImageStorage) throws(ImageError) {
        try self.init(image: storage, skipped: [])
    }

    private init(image storage: ImageStorage, skipped: [String], yara: YaraRules? = nil) throws(ImageError) {
        var reader = try ImageReader(storage)
        self.storage = storage
        self.skipped = skipped
        self.yara = yara
        let provenance = try NameTable(&reader, pool: "PROV", ends: "PRVE")
        self.provenance = (0..<provenance.count).map { provenance[$0] }
        counts = try SignatureCounts(values: reader.table("CNTS"))
        let clamAVCount = try reader.integer("SCNT", in: 0...Int(Int64.max))
        hasClamAVSignatures = clamAVCount > 0
        signatureCount = clamAVCount + (yara?.ruleCount ?? 0)
        detectsEICAR = try reader.flag("EICR")
        usesExecutableLayout = try reader.flag("EXEC")
        names = try NameTable(&reader, pool: "NAMP", ends: "NAME")
        hashes = try HashIndex(&reader)
        allowed = try HashIndex(&reader)
        sectionHashes = try HashIndex(&reader)
        importHashes = try HashIndex(&reader)
        bodies = try BodyMatcher(&reader)
        let sources = try SignatureSources(&reader)
        self.sources = sources
        var always: [FlatTable<UInt32>] = []
        for _ in 0...TargetType.highest {
            let list: FlatTable<UInt32> = try reader.table("ALWS")
            guard list.buffer.allSatisfy({ Int($0) < sources.logicalCount }) else {
                throw ImageError("malformed: always-evaluated list out of range")
            }
            always.append(list)
        }
        alwaysEvaluated = always
        containerSignatures = try ContainerSignatureSources(&reader)
        guard sources.patternCount == bodies.patternCount else {
            throw ImageError("malformed: \(sources.patternCount) pattern sources for \(bodies.patternCount) patterns")
        }
        try reader.finish()
    }
}
/// Scans buffers against an ``Engine``. One per thread: it holds scratch state reused between files.
public struct Scanner {
    /// The engine scanned against.
    public let engine: Engine
    private var state: BodyScanState
    private var decoded: DecodedSignatures
    private var normalized: [UInt8] = []
    /// The `.cdb` signatures, decoded when a scan first checks a container's member.
    var containerSignatures: [CompiledContainerSignature]?

    /// Creates a scanner for `engine`.
    public init(engine: Engine) {
        self.engine = engine
        state = BodyScanState(count: engine.bodies.patternCount, slots: engine.sources.slotOwners.count)
        decoded = DecodedSignatures(engine.sources)
    }

    /// Scans the whole content of one file or stream.
    ///
    /// - Parameters:
    ///   - data: the content.
    ///   - allMatch: report every matching signature, not only the first (clamscan's `--allmatch`).
    ///   - yaraDetails: list every string match of each YARA rule that matches (only names otherwise).
    /// - Returns: detections in clamscan's order: EICAR, then per layer (the raw content; for text its
    ///   normalised form; for HTML its normalised forms instead; for other data a second pass for target
    ///   type 14) body signatures, whole-file hashes and logical signatures.
    public mutating func scan(
        _ data: UnsafeRawBufferPointer, allMatch: Bool = false, limits: ScanLimits = ScanLimits(),
        yaraDetails: Bool = true
    ) -> [Detection] {
        var detections: [Detection] = []
        if engine.hasClamAVSignatures || engine.yara == nil {
            var context = ContainerContext(limits: limits, allMatch: allMatch, size: data.count)
            _ = scanObject(data, &context)
            detections = context.detections
        }
        if let yara = engine.yara, allMatch || detections.isEmpty {
            for match in yara.scan(data, details: yaraDetails) {
                detections.append(Detection(name: "YARA." + match.rule, kind: .yara, yara: match))
                if !allMatch { break }
            }
        }
        return detections
    }

    /// Whether the content's digest is on an allow list: clamscan then drops every alert it raises.
    func isAllowListed(_ data: UnsafeRawBufferPointer) -> Bool {
        let algorithms = engine.allowed.algorithms(forSize: data.count)
        return ContentHasher.digests(of: data, algorithms).contains { algorithm, digest in
            !engine.allowed.matches(algorithm, digest: digest, size: data.count).isEmpty
        }
    }

    /// The detections in one object's own content (not its members): EICAR, then its layers. `ancestors` are
    /// the types of the containers it is in, outermost first.
    mutating func detect(_ data: UnsafeRawBufferPointer, layout: FileLayout, ancestors: [FileType], allMatch: Bool)
        -> [Detection]
    {
        var found: [Detection] = []
        // clamscan does not scan files of five bytes or fewer.
        guard data.count > 5 else { return found }
        if engine.detectsEICAR, BuiltinSignatures.isEICAR(data) {
            found.append(Detection(name: BuiltinSignatures.eicarName, kind: .eicar))
            if !allMatch { return found }
        }
        var html: HTMLNormalization?
        for (index, layer) in layout.layers.enumerated() {
            // A repeat pass over the same bytes finds nothing new but its own target's patterns, so without
            // --allmatch it is skipped unless that target has any.
            if index > 0, layout.layers[index - 1].source == layer.source, !allMatch,
                !engine.bodies.hasPatterns(for: layer.target), engine.alwaysEvaluated[layer.target].isEmpty
            {
                continue
            }
            // Without body or logical signatures (and hashes, where they apply) a normalised pass finds nothing.
            if layer.source != .raw, engine.bodies.patternCount == 0, engine.sources.logicalCount == 0,
                !layer.hashes || engine.hashes.isEmpty
            {
                continue
            }
            let executable = index == 0 ? layout.executable : nil
            let done: Bool
            switch layer.source {
            case .raw:
                done = scanLayer(
                    data, target: layer.target, executable: executable, hashes: layer.hashes, ancestors: ancestors,
                    allMatch: allMatch, into: &found)
            case .text:
                TextNormalizer.normalize(data, into: &normalized)
                done = normalized.withUnsafeBytes {
                    scanLayer(
                        $0, target: layer.target, executable: nil, hashes: layer.hashes, ancestors: ancestors,
                        allMatch: allMatch, into: &found)
                }
            case .htmlNoComment, .htmlNoTags, .javascript:
                if html == nil {
                    html =
                        layout.type == .htmlUTF16
                        ? HTMLNormalizer.decodeUTF16(data).withUnsafeBytes { HTMLNormalizer.normalize($0) }
                        : HTMLNormalizer.normalize(data)
                }
                let form =
                    switch layer.source {
                    case .htmlNoComment: html?.noComment
                    case .htmlNoTags: html?.noTags
                    default: html?.javascript
                    }
                guard let form else { continue }  // no script
                done = form.withUnsafeBytes {
                    scanLayer(
                        $0, target: layer.target, executable: nil, hashes: layer.hashes, ancestors: ancestors,
                        allMatch: allMatch, into: &found)
                }
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
    private mutating func scanLayer(
        _ data: UnsafeRawBufferPointer, target: Int, executable: ExecutableLayout?,
        hashes: Bool, ancestors: [FileType], allMatch: Bool, into found: inout [Detection]
    ) -> Bool {
        let offsets = OffsetResolver(
            size: data.count, layout: executable,
            isExecutable: TargetType.executables.contains(target))
        for name in engine.bodies.scan(
            data, target: target, offsets: offsets, state: &state, decoded: &decoded,
            all: allMatch)
        {
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
            guard let logical = decoded.logical(index) else { continue }
            for (index, comparison) in logical.comparisons {
                comparison.run(
                    on: data, referenceSlot: logical.firstSlot + comparison.reference,
                    slot: logical.firstSlot + index, state: &state)
            }
            for pcre in logical.expressions {
                pcre.run(on: verifier, offsets: offsets, slot: logical.firstSlot + pcre.index, state: &state)
            }
            let replayed = logical.macros.isEmpty ? [] : logical.macroCounts(state)
            let counts = { (slot: Int) in replayed.first { $0.slot == slot }?.count ?? state.count(slot) }
            if logical.matches(counts: counts, size: data.count, layout: executable, ancestors: ancestors) {
                found.append(Detection(name: engine.names[logical.name], kind: .logical))
                if !allMatch { return true }
            }
        }
        return false
    }

    /// The logical signatures to evaluate on a layer: those whose subsignatures matched and those that hold
    /// without matches; the target type's before the generic ones, each in load order.
    private func logicalCandidates(target: Int) -> [Int] {
        let sources = engine.sources
        guard sources.logicalCount > 0 else { return [] }
        // Macro groups' slots come after the subsignatures' and belong to no logical signature.
        var touched = Set(
            state.touchedSlots.lazy.filter { $0 < sources.slotOwners.count }.map {
                Int(sources.slotOwners[$0])
            })
        if target != 0 { touched.formUnion(engine.alwaysEvaluated[target].buffer.map { Int($0) }) }
        touched.formUnion(engine.alwaysEvaluated[0].buffer.map { Int($0) })
        return touched.sorted { a, b in
            (sources.logicalTarget[a] == 0 ? 1 : 0, a) < (sources.logicalTarget[b] == 0 ? 1 : 0, b)
        }
    }
}
