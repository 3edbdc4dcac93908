import Crypto
import VigilFormats
import VigilSignatures
import VigilSystem

/// A ClamAV database container: `.cvd` (signed by Talos), `.cld` (what freshclam writes after applying `.cdiff`
/// updates) or `.cud` (unsigned, from `sigtool --build --unsigned`). Each is a 512-byte ``CVDHeader`` followed by
/// a tar archive of signature files — gzip-compressed in `.cvd` and `.cud`, plain in a `.cld` unless freshclam's
/// `CompressLocalDatabase` is on — told apart by the gzip magic, not by the extension.
///
/// Reading checks what ClamAV 1.4 checks before it trusts a container's contents: the header parses; the MD5
/// of the body matches the header's (always for `.cvd`; for the others when the header carries one); the tar
/// holds only regular files without `/` in their names; and the `.info` member's header agrees with the file's
/// and lists every signature file with its size and SHA-256.
///
/// Not verified yet: the RSA signatures made with Talos' key — the header's `dsig` field of a `.cvd` (over the
/// body's MD5) and the `DSIG:` line of the `.info` member. A file that passes Vigil's checks is intact and
/// self-consistent, but Vigil does not prove that Talos built it.
public struct CVDArchive: Sendable {
    /// The container formats, by extension.
    public enum Kind: String, Sendable, CaseIterable {
        case cvd, cld, cud

        /// The kind for a path's extension (case-insensitive), or `nil` for any other file.
        public init?(path: String) {
            guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
            self.init(rawValue: String(path[path.index(after: dot)...]).lowercased())
        }
    }

    /// A file inside the container.
    public struct Member: Sendable, Equatable {
        /// The file's name (no directory part: ClamAV refuses `/` in member names).
        public var name: String
        /// Its contents.
        public var bytes: [UInt8]

        /// Creates a member.
        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// Bounds on what one container may make Vigil allocate.
    public struct Limits: Sendable, Equatable {
        /// The largest decompressed body accepted (ClamAV's `main.cvd` unpacks to a few hundred MB).
        public var maxUncompressedSize: Int
        /// The most members accepted.
        public var maxMembers: Int
        /// The largest decompressed `.cdiff` script accepted.
        public var maxScriptSize: Int

        /// Creates limits; the defaults fit every database Talos publishes with room to grow.
        public init(maxUncompressedSize: Int = 2 << 30, maxMembers: Int = 10_000, maxScriptSize: Int = 256 << 20) {
            self.maxUncompressedSize = maxUncompressedSize
            self.maxMembers = maxMembers
            self.maxScriptSize = maxScriptSize
        }
    }

    /// The file the container was read from, as the user named it.
    public var path: String
    /// The container format.
    public var kind: Kind
    /// The header: version, signature count, functionality level, builder, build time.
    public var header: CVDHeader
    /// The member files, in archive order.
    public var members: [Member]

    /// Creates a container from its parts (no checks).
    public init(path: String, kind: Kind, header: CVDHeader, members: [Member]) {
        self.path = path
        self.kind = kind
        self.header = header
        self.members = members
    }

    /// The first member with this name.
    public func member(named name: String) -> Member? { members.first { $0.name == name } }

    /// Reads and checks a container file; the kind comes from the extension.
    ///
    /// - Throws: ``CVDError`` naming the file and what is wrong.
    public static func read(_ path: String, limits: Limits = Limits()) throws(CVDError) -> CVDArchive {
        guard let kind = Kind(path: path) else {
            throw CVDError(.io, "not a .cvd, .cld or .cud file", path: path)
        }
        switch readWholeFile(path) {
        case .success(let file): return try parse(file.bytes, kind: kind, path: path, limits: limits)
        case .failure(let e): throw CVDError(.io, "cannot be read: \(e)", path: path)
        }
    }

    /// Parses and checks a container's bytes.
    ///
    /// - Parameter path: the name used in errors.
    /// - Throws: ``CVDError`` naming `path` and what is wrong.
    public static func parse(_ bytes: [UInt8], kind: Kind, path: String, limits: Limits = Limits()) throws(CVDError)
        -> CVDArchive
    {
        guard bytes.count >= CVDHeader.size else {
            throw CVDError(.header, "the file (\(bytes.count) bytes) is shorter than its 512-byte header", path: path)
        }
        let header: CVDHeader
        switch CVDHeader.parse(bytes[..<CVDHeader.size]) {
        case .success(let h): header = h
        case .failure(let problem): throw CVDError(.header, problem.description, path: path)
        }
        guard bytes.count > CVDHeader.size else { throw CVDError(.archive, "the file has no body", path: path) }

        // ClamAV checks the MD5 of a .cvd body, then Talos' RSA signature of that MD5 (the `dsig` field).
        // Vigil checks the MD5 only: the signature is not verified yet.
        if kind == .cvd && !header.hasMD5 {
            throw CVDError(.checksum, "the header carries no MD5 of the body (\(header.md5))", path: path)
        }
        if header.hasMD5 {
            let actual = bytes.withUnsafeBytes { raw in
                var md5 = Insecure.MD5()
                md5.update(bufferPointer: UnsafeRawBufferPointer(rebasing: raw[CVDHeader.size...]))
                return hex(md5.finalize())
            }
            guard actual == header.md5.lowercased() else {
                throw CVDError(
                    .checksum,
                    "the body's MD5 is \(actual), not \(header.md5) as the header says (corrupt or truncated)",
                    path: path)
            }
        }

        let body = bytes[CVDHeader.size...]
        let tar: [UInt8]
        if Inflate.isGzip(body) {
            do {
                tar = try bytes.withUnsafeBytes { raw in
                    Result { () throws(DecompressionError) in
                        try Inflate.gunzip(
                            UnsafeRawBufferPointer(rebasing: raw[CVDHeader.size...]),
                            maxOutputSize: limits.maxUncompressedSize)
                    }
                }.get()
            } catch {
                throw CVDError(
                    error.code == .outputLimitExceeded ? .limit : .compression, "the gzip body: \(error.message)",
                    path: path)
            }
        } else {
            tar = Array(body)
        }
        let members = try members(ofTar: tar, path: path, limits: limits)
        let archive = CVDArchive(path: path, kind: kind, header: header, members: members)
        try archive.validate()
        return archive
    }

    /// The regular files of a container's tar, refused as ClamAV's `cli_tgzload` refuses them: directories,
    /// links and other types, and names with `/`.
    static func members(ofTar tar: [UInt8], path: String, limits: Limits) throws(CVDError) -> [Member] {
        let entries: [TarEntry]
        do {
            entries = try TarReader.entries(in: tar, limits: TarReader.Limits(maxEntries: limits.maxMembers))
        } catch {
            throw CVDError(error.code == .limitExceeded ? .limit : .archive, "the tar body: \(error)", path: path)
        }
        var members: [Member] = []
        members.reserveCapacity(entries.count)
        for entry in entries {
            guard !entry.name.isEmpty, !entry.name.contains("/") else {
                throw CVDError(
                    .archive, "member name \"\(entry.name)\" is not a plain file name (ClamAV allows no /)", path: path)
            }
            guard entry.kind == .regularFile else {
                throw CVDError(.archive, "member \(entry.name) is not a regular file (\(entry.kind))", path: path)
            }
            members.append(Member(name: entry.name, bytes: Array(tar[entry.dataRange])))
        }
        return members
    }

    /// The member ClamAV reads as the container's index: the first whose name ends in `.info`.
    var infoMember: Member? { members.first { $0.name.lowercased().hasSuffix(".info") } }

    /// Checks the container's `.info` member as ClamAV's `cli_cvdload` and `cli_tgzload` do: its header line
    /// agrees with the file's (version, signature count, functionality level, build time), and every signature
    /// file is listed with its size and SHA-256. The `DSIG:` line that closes it is not verified.
    func validate() throws(CVDError) {
        guard let infoMember else {
            throw CVDError(
                .integrity, "there is no .info member listing the signature files (ClamAV: Corrupted CVD header)",
                path: path)
        }
        let info: CVDInfo
        switch CVDInfo.parse(infoMember.bytes) {
        case .success(let parsed): info = parsed
        case .failure(let problem):
            throw CVDError(
                .integrity, "member \(infoMember.name), line \(problem.line): \(problem.message)", path: path)
        }
        guard info.header.sameDatabase(as: header) else {
            func summary(_ h: CVDHeader) -> String {
                "version \(h.version), \(h.signatureCount) signatures, f-level \(h.functionalityLevel)"
            }
            throw CVDError(
                .integrity,
                "the header (\(summary(header))) disagrees with \(infoMember.name) (\(summary(info.header)))",
                path: path)
        }
        for member in members where member.name != infoMember.name {
            guard let listed = info.files[member.name] else {
                if SignatureFileKind(path: member.name) != nil {
                    throw CVDError(.integrity, "member \(member.name) is not listed in \(infoMember.name)", path: path)
                }
                continue
            }
            guard listed.size == member.bytes.count else {
                throw CVDError(
                    .integrity,
                    "member \(member.name) is \(member.bytes.count) bytes, \(infoMember.name) says \(listed.size)",
                    path: path)
            }
            let digest = member.bytes.withUnsafeBytes { raw in
                var sha = SHA256()
                sha.update(bufferPointer: raw)
                return hex(sha.finalize())
            }
            guard digest == listed.sha256 else {
                throw CVDError(
                    .integrity, "member \(member.name) does not match its SHA-256 in \(infoMember.name)", path: path)
            }
        }
    }
}

/// Lower-case hex of a digest.
func hex(_ digest: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in digest {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// The `.info` member of a container: a header line, then `NAME:SIZE:SHA256` per signature file, then a
/// `DSIG:` line with Talos' signature of what precedes it (absent in unsigned containers; not verified).
struct CVDInfo {
    var header: CVDHeader
    var files: [String: (size: Int, sha256: String)]

    struct Problem: Error {
        var line: Int
        var message: String
    }

    /// Parses the text as ClamAV's `cli_loadinfo` does: the header first, entries of exactly three fields,
    /// reading stops at `DSIG:`.
    static func parse(_ bytes: [UInt8]) -> Result<CVDInfo, Problem> {
        var header: CVDHeader?
        var files: [String: (size: Int, sha256: String)] = [:]
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for (index, rawLine) in lines.enumerated() {
            var line = rawLine
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let text = String(decoding: line, as: UTF8.self)
            if text.hasPrefix("DSIG:") { break }
            if text.hasPrefix("ClamAV-VDB:") {
                guard header == nil else { return .failure(Problem(line: index + 1, message: "a second header line")) }
                switch CVDHeader.parse(line) {
                case .success(let h): header = h
                case .failure(let problem): return .failure(Problem(line: index + 1, message: problem.description))
                }
                continue
            }
            guard header != nil else {
                return .failure(Problem(line: index + 1, message: "the first line is not a ClamAV-VDB: header"))
            }
            let fields = text.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 3, !fields[1].isEmpty, fields[1].count <= 18,
                fields[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let size = Int(fields[1]),
                fields[2].utf8.count == 64,
                fields[2].utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) })
            else {
                return .failure(Problem(line: index + 1, message: "not a NAME:SIZE:SHA256 entry"))
            }
            files[String(fields[0])] = (size, fields[2].lowercased())
        }
        guard let header else { return .failure(Problem(line: 1, message: "no ClamAV-VDB: header line")) }
        return .success(CVDInfo(header: header, files: files))
    }
}
