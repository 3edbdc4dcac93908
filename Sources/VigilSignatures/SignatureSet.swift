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
    public var isSupported: Bool { [.hdb, .hsb, .ndb, .ldb].contains(self) }

    /// Whether files of this kind hold potentially-unwanted-application signatures (`--detect-pua`).
    public var isPotentiallyUnwanted: Bool { [.hdu, .hsu, .mdu, .msu, .ndu, .ldu].contains(self) }
}

/// The signatures of one or more files, with the warnings collected while reading them.
public struct SignatureSet: Sendable {
    /// Whole-file hash signatures.
    public var hashes: [HashSignature] = []
    /// Body signatures.
    public var bodies: [BodySignature] = []
    /// Logical signatures.
    public var logicals: [LogicalSignature] = []
    /// Signatures skipped because they use what Vigil does not support yet.
    public var skipped: [SignatureError] = []

    /// An empty set.
    public init() {}

    /// The number of signatures loaded.
    public var count: Int { hashes.count + bodies.count + logicals.count }

    /// Adds another set's contents.
    public mutating func merge(_ other: SignatureSet) {
        hashes += other.hashes
        bodies += other.bodies
        logicals += other.logicals
        skipped += other.skipped
    }

    /// Parses the text of one signature file of a supported kind.
    ///
    /// - Throws: the first malformed line's ``SignatureError``; unsupported lines are collected in ``skipped``.
    public static func parse(_ bytes: [UInt8], kind: SignatureFileKind, file: String) throws(SignatureError)
        -> SignatureSet
    {
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
                if kind == .hdb || kind == .hsb {
                    if let signature = try HashSignature.parse(bytes: lineBytes, at: location) {
                        set.hashes.append(signature)
                    }
                    continue
                }
                guard let line = String(validating: lineBytes, as: UTF8.self) else {
                    throw SignatureError(.malformed, "line is not valid UTF-8 text", at: location)
                }
                switch kind {
                case .ndb:
                    if let signature = try BodySignature.parse(line: line[...], at: location) {
                        set.bodies.append(signature)
                    }
                case .ldb:
                    if let signature = try LogicalSignature.parse(line: line[...], at: location) {
                        set.logicals.append(signature)
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
