/// Parses ClamAV signature files into typed models. Each file kind is told by its extension; every error
/// carries the file, line and column of the text at fault.

/// The signature file formats, by extension.
public enum SignatureFileKind: String, Sendable, CaseIterable {
    case hdb, hsb, hdu, hsu, mdb, msb, mdu, msu, ndb, ndu, ldb, ldu, cdb, fp, sfp, ign, ign2, imp
    case cvd, cld, cud, yar, yara, vdb, pdb, gdb, wdb, ftm, cfg, crb, cat, idb, info

    /// The kind for a path's extension, or `nil` if the extension is not a signature file's.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        self.init(rawValue: String(path[path.index(after: dot)...]).lowercased())
    }

    /// Whether Vigil loads this kind yet (the others are named in a warning and skipped).
    public var isSupported: Bool {
        [.hdb, .hsb, .mdb, .msb, .imp, .ndb, .ldb, .cdb, .fp, .sfp, .ign, .ign2, .yar].contains(base)
    }

    /// Whether files of this kind hold potentially-unwanted-application signatures (`--detect-pua`).
    public var isPotentiallyUnwanted: Bool { [.hdu, .hsu, .mdu, .msu, .ndu, .ldu].contains(self) }

    /// The kind whose syntax this kind shares: a PUA variant's base kind, `.fp` for `.sfp`, `.ign` for `.ign2`.
    public var base: SignatureFileKind {
        switch self {
        case .hdu: .hdb
        case .hsu: .hsb
        case .mdu: .mdb
        case .msu: .msb
        case .ndu: .ndb
        case .ldu: .ldb
        case .sfp: .fp
        case .ign2: .ign
        case .yara: .yar
        default: self
        }
    }
}

/// Signature names to leave out while loading (`.ign`, `.ign2`): a name alone, or a name with the MD5 of
/// the whole signature line, which ignores only that exact text.
public struct IgnoreList: Sendable {
    private var entries: [String: [[UInt8]?]] = [:]
    private let lineDigest: @Sendable (ArraySlice<UInt8>) -> [UInt8]

    /// An empty list; `lineDigest` computes the MD5 of a signature line for `NAME:MD5` entries.
    public init(lineDigest: @escaping @Sendable (ArraySlice<UInt8>) -> [UInt8]) { self.lineDigest = lineDigest }

    /// Whether the list holds nothing.
    public var isEmpty: Bool { entries.isEmpty }

    /// Adds the entries of an `.ign` or `.ign2` file.
    public mutating func add(_ bytes: [UInt8], file: String) throws(SignatureError) {
        var lineNumber = 0
        for raw in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.last == UInt8(ascii: "\r") ? raw.dropLast() : raw
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            guard let text = String(validating: line, as: UTF8.self) else {
                throw SignatureError(.malformed, "line is not valid UTF-8 text", at: SourceLocation(file: file, line: lineNumber))
            }
            let fields = text.split(separator: ":", omittingEmptySubsequences: false)
            let name: Substring
            var digest: [UInt8]?
            switch fields.count {
            case 1: name = fields[0]
            case 2:
                name = fields[0]
                guard let d = decodeHex(fields[1]), d.count == 16 else {
                    throw SignatureError(.malformed, "expected NAME or NAME:MD5", at: SourceLocation(file: file, line: lineNumber),
                        excerpt: text)
                }
                digest = d
            case 3: name = fields[2]  // the old DB:LINE:NAME form; the database and line are not checked
            default:
                throw SignatureError(.malformed, "expected NAME or NAME:MD5", at: SourceLocation(file: file, line: lineNumber),
                    excerpt: text)
            }
            guard !name.isEmpty else {
                throw SignatureError(.malformed, "no signature name", at: SourceLocation(file: file, line: lineNumber))
            }
            entries[String(name), default: []].append(digest)
        }
    }

    /// Whether the signature `name`, read from `line`, is ignored.
    func ignores(_ name: String, line: ArraySlice<UInt8>) -> Bool {
        guard let rules = entries[name] else { return false }
        if rules.contains(where: { $0 == nil }) { return true }
        let digest = lineDigest(line)
        return rules.contains { $0 == digest }
    }
}

/// The signatures of one or more files, with the warnings collected while reading them.
public struct SignatureSet: Sendable {
    /// Whole-file hash signatures.
    public var hashes: [HashSignature] = []
    /// Body signatures.
    public var bodies: [BodySignature] = []
    /// Logical signatures.
    public var logicals: [LogicalSignature] = []
    /// PE section hashes (`.mdb`, `.msb`): the size is the section's.
    public var sectionHashes: [HashSignature] = []
    /// PE import-table hashes (`.imp`): the size is the hashed text's.
    public var importHashes: [HashSignature] = []
    /// Container metadata signatures (`.cdb`), in load order.
    public var containerMetadata: [ContainerMetadataSignature] = []
    /// Allow-listed files (`.fp`, `.sfp`): a file with one of these digests is never reported.
    public var allowed: [HashSignature] = []
    /// Signatures skipped because they use what Vigil does not support yet.
    public var skipped: [SignatureError] = []

    /// An empty set.
    public init() {}

    /// The number of signatures loaded.
    public var count: Int {
        hashes.count + sectionHashes.count + importHashes.count + bodies.count + logicals.count
            + containerMetadata.count
    }

    /// Adds another set's contents.
    public mutating func merge(_ other: SignatureSet) {
        hashes += other.hashes
        bodies += other.bodies
        logicals += other.logicals
        containerMetadata += other.containerMetadata
        allowed += other.allowed
        sectionHashes += other.sectionHashes
        importHashes += other.importHashes
        skipped += other.skipped
    }

    /// Parses the text of one signature file of a supported kind.
    ///
    /// - Throws: the first malformed line's ``SignatureError``; unsupported lines are collected in ``skipped``.
    /// Signatures named in `ignoring` are left out, as clamscan leaves out what its ignore lists name.
    public static func parse(_ bytes: [UInt8], kind: SignatureFileKind, file: String, ignoring: IgnoreList? = nil)
        throws(SignatureError) -> SignatureSet
    {
        let kind = kind.base
        var set = SignatureSet()
        var lineNumber = 0
        var next = bytes.startIndex
        while next < bytes.endIndex {
            let end = bytes[next...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            var lineBytes = bytes[next..<end]
            next = end + 1
            lineNumber += 1
            if lineBytes.last == UInt8(ascii: "\r") { lineBytes = lineBytes.dropLast() }
            if lineBytes.isEmpty || lineBytes.first == UInt8(ascii: "#") { continue }
            let location = SourceLocation(file: file, line: lineNumber)
            do throws(SignatureError) {
                func kept(_ name: String) -> Bool { !(ignoring?.ignores(name, line: lineBytes) ?? false) }
                switch kind {
                case .hdb, .hsb, .fp:
                    if let signature = try HashSignature.parse(bytes: lineBytes, at: location), kept(signature.name) {
                        if kind == .fp { set.allowed.append(signature) } else { set.hashes.append(signature) }
                    }
                    continue
                case .mdb, .msb, .imp:
                    guard let line = String(validating: lineBytes, as: UTF8.self) else {
                        throw SignatureError(.malformed, "line is not valid UTF-8 text", at: location)
                    }
                    if let signature = try HashSignature.parse(line: line[...], at: location,
                        sizeFirst: kind != .imp, wildcardNeedsLevel: kind != .imp), kept(signature.name)
                    {
                        if kind == .imp { set.importHashes.append(signature) } else { set.sectionHashes.append(signature) }
                    }
                    continue
                default: break
                }
                guard let line = String(validating: lineBytes, as: UTF8.self) else {
                    throw SignatureError(.malformed, "line is not valid UTF-8 text", at: location)
                }
                switch kind {
                case .ndb:
                    if let signature = try BodySignature.parse(line: line[...], at: location), kept(signature.name) {
                        set.bodies.append(signature)
                    }
                case .ldb:
                    if let signature = try LogicalSignature.parse(line: line[...], at: location), kept(signature.name) {
                        set.logicals.append(signature)
                    }
                case .cdb:
                    if let signature = try ContainerMetadataSignature.parse(line: line[...], at: location),
                        kept(signature.name)
                    {
                        set.containerMetadata.append(signature)
                    }
                default:
                    throw SignatureError(.unsupported, "\(kind.rawValue) files are not supported yet", at: location)
                }
            } catch {
                guard error.code == .unsupported else { throw error }
                set.skipped.append(error)
            }
        }
        return set
    }
}
