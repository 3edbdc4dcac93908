/// The 512-byte header of a `.cvd`, `.cld` or `.cud` file, and the first line of the `.info` member inside one:
/// `ClamAV-VDB:TIME:VERSION:SIGNATURES:FLEVEL:MD5:DSIG:BUILDER:STIME`, padded with spaces.
public struct CVDHeader: Sendable, Equatable {
    /// The header's size in a database file.
    public static let size = 512

    /// The build time as written (`24 Nov 2026 14-31 +0000`: the hour and minute are joined by `-` because `:`
    /// separates the fields).
    public var buildTime: String
    /// The database version (`daily` counts up by one per update; `.cdiff` files step from one to the next).
    public var version: Int
    /// The number of signatures, as the builder counted them.
    public var signatureCount: Int
    /// The functionality level the database needs (216 is clamscan 1.4.6's).
    public var functionalityLevel: Int
    /// The MD5 of the body after the header, 32 hex digits in a `.cvd`; `X` where none was computed (the `.info`
    /// line, and so a `.cld` built from it by freshclam).
    public var md5: String
    /// Talos' RSA signature over the MD5 (`X` in unsigned files). Vigil does not verify it.
    public var digitalSignature: String
    /// Who built the database.
    public var builder: String
    /// The build time in seconds since the epoch; absent in very old files.
    public var buildTimeSeconds: Int?

    /// Creates a header.
    public init(
        buildTime: String, version: Int, signatureCount: Int, functionalityLevel: Int, md5: String = "X",
        digitalSignature: String = "X", builder: String, buildTimeSeconds: Int?
    ) {
        self.buildTime = buildTime
        self.version = version
        self.signatureCount = signatureCount
        self.functionalityLevel = functionalityLevel
        self.md5 = md5
        self.digitalSignature = digitalSignature
        self.builder = builder
        self.buildTimeSeconds = buildTimeSeconds
    }

    /// The header line, without padding.
    public var line: String {
        let base =
            "ClamAV-VDB:\(buildTime):\(version):\(signatureCount):\(functionalityLevel):\(md5):\(digitalSignature):"
            + builder
        return buildTimeSeconds.map { base + ":\($0)" } ?? base
    }

    /// The header as a database file starts: the line padded with spaces to 512 bytes.
    public var padded: [UInt8] {
        let bytes = Array(line.utf8.prefix(Self.size))
        return bytes + [UInt8](repeating: UInt8(ascii: " "), count: Self.size - bytes.count)
    }

    /// Parses a header: the text up to the first line break, trailing spaces ignored, as ClamAV's `cl_cvdhead`.
    ///
    /// Fields are separated by `:`; as in ClamAV's `cli_strtok`, consecutive separators count as one. Vigil is
    /// stricter than ClamAV's `atoi` about the numeric fields: each must be decimal digits.
    ///
    /// - Returns: the header, or a sentence saying what is wrong.
    public static func parse(_ bytes: some Collection<UInt8>) -> Result<CVDHeader, HeaderProblem> {
        let end = bytes.firstIndex { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") } ?? bytes.endIndex
        var text = String(decoding: bytes[..<end], as: UTF8.self)
        while text.last == " " { text.removeLast() }
        guard text.hasPrefix("ClamAV-VDB:") else {
            return .failure(HeaderProblem("the header does not start with ClamAV-VDB:"))
        }
        let fields = text.split(separator: ":", omittingEmptySubsequences: true).map(String.init)
        let names = [
            "build time", "version", "signature count", "functionality level", "MD5", "digital signature",
            "builder", "build time in seconds",
        ]
        guard fields.count >= 8 else {
            return .failure(HeaderProblem("the header has no \(names[fields.count - 1]) field"))
        }
        var numbers: [Int?] = []
        for index in [2, 3, 4, 8] {
            guard index < fields.count else {
                numbers.append(nil)
                continue
            }
            let field = fields[index]
            guard field.count <= 18, field.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int(field) else {
                return .failure(HeaderProblem("the \(names[index - 1]) field is not a number: \(field)"))
            }
            numbers.append(value)
        }
        guard let version = numbers[0], let signatures = numbers[1], let flevel = numbers[2] else {
            return .failure(HeaderProblem("the header is missing a number"))
        }
        return .success(
            CVDHeader(
                buildTime: fields[1], version: version, signatureCount: signatures, functionalityLevel: flevel,
                md5: fields[5], digitalSignature: fields[6], builder: fields[7], buildTimeSeconds: numbers[3]))
    }

    /// Why a header cannot be parsed.
    public struct HeaderProblem: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, without a trailing period.
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Whether the MD5 field holds a digest (32 hex digits) rather than a placeholder.
    var hasMD5: Bool {
        md5.utf8.count == 32
            && md5.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }
    }

    /// Whether two headers describe the same database (ClamAV's `cli_cvdload` compares these four fields of the
    /// file header and of the `.info` member's first line).
    func sameDatabase(as other: CVDHeader) -> Bool {
        version == other.version && signatureCount == other.signatureCount
            && functionalityLevel == other.functionalityLevel
            && (buildTimeSeconds ?? 0) == (other.buildTimeSeconds ?? 0)
    }
}
