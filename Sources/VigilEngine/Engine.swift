/// The matching core: compiles signatures into an immutable ``Engine`` and scans buffers with a per-thread
/// ``Scanner``. No Foundation: this module runs in every scan and must start fast.
import VigilSignatures

/// A detection: which signature matched.
public struct Detection: Sendable, Equatable, CustomStringConvertible {
    /// What kind of signature matched.
    public enum Kind: Sendable, Equatable {
        /// A whole-file digest (`.hdb`, `.hsb`, or the built-in test-file hash).
        case hash(HashAlgorithm)
        /// A body pattern (`.ndb`).
        case body
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

    let names: [String]
    let hashes: HashIndex
    let bodies: BodyMatcher

    /// Compiles a signature set; with `builtins`, adds ``BuiltinSignatures`` (EICAR and ClamAV's test file).
    public init(_ signatures: SignatureSet, builtins: Bool = false) {
        var names: [String] = []
        var hashes = HashIndex()
        var all = signatures.hashes
        if builtins { all += BuiltinSignatures.hashes }
        for signature in all {
            hashes.add(signature, name: names.count)
            names.append(signature.name)
        }
        var compiled: [CompiledBody] = []
        for signature in signatures.bodies {
            compiled.append(CompiledBody(signature, name: names.count))
            names.append(signature.name)
        }
        self.names = names
        self.hashes = hashes
        self.bodies = BodyMatcher(compiled)
        self.detectsEICAR = builtins
        self.signatureCount = all.count + compiled.count + (builtins ? 1 : 0)
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
        state = BodyScanState(count: engine.bodies.bodies.count)
    }

    /// Scans the whole content of one file or stream.
    ///
    /// - Parameters:
    ///   - data: the content.
    ///   - allMatch: report every matching signature, not only the first (clamscan's `--allmatch`).
    /// - Returns: detections in clamscan's order: EICAR, body signatures (raw content, then normalised text),
    ///   then hash signatures.
    public mutating func scan(_ data: UnsafeRawBufferPointer, allMatch: Bool = false) -> [Detection] {
        var found: [Detection] = []
        if engine.detectsEICAR, BuiltinSignatures.isEICAR(data) {
            found.append(Detection(name: BuiltinSignatures.eicarName, kind: .eicar))
            if !allMatch { return found }
        }
        var bodyMatches = engine.bodies.scan(data, state: &state, all: allMatch)
        if (bodyMatches.isEmpty || allMatch) && !engine.bodies.bodies.isEmpty && TextNormalizer.isText(data) {
            TextNormalizer.normalize(data, into: &normalized)
            let more = normalized.withUnsafeBytes { engine.bodies.scan($0, state: &state, all: allMatch) }
            bodyMatches += more.filter { !bodyMatches.contains($0) }
        }
        for id in bodyMatches {
            found.append(Detection(name: engine.names[engine.bodies.bodies[id].name], kind: .body))
            if !allMatch { return found }
        }
        let algorithms = engine.hashes.algorithms(forSize: data.count)
        for (algorithm, digest) in ContentHasher.digests(of: data, algorithms) {
            for name in engine.hashes.matches(algorithm, digest: digest, size: data.count) {
                found.append(Detection(name: engine.names[name], kind: .hash(algorithm)))
                if !allMatch { return found }
            }
        }
        return found
    }
}
