/// A whole-file hash signature from an `.hdb` or `.hsb` file: `HASH:SIZE:NAME[:MIN_FLEVEL[:MAX_FLEVEL]]`.

/// A digest algorithm a hash signature names, told apart by the digest's length.
public enum HashAlgorithm: Int, Sendable, CaseIterable, CustomStringConvertible {
    case md5, sha1, sha256

    /// The digest length in bytes.
    public var digestLength: Int {
        switch self {
        case .md5: 16
        case .sha1: 20
        case .sha256: 32
        }
    }

    /// The lower-case name, as in `--json` output.
    public var description: String {
        switch self {
        case .md5: "md5"
        case .sha1: "sha1"
        case .sha256: "sha256"
        }
    }

    init?(digestLength: Int) {
        guard let match = Self.allCases.first(where: { $0.digestLength == digestLength }) else { return nil }
        self = match
    }
}

/// A detection by the digest of a file's whole content.
public struct HashSignature: Sendable, Equatable {
    /// The name reported on a match.
    public var name: String
    /// Which digest the signature holds.
    public var algorithm: HashAlgorithm
    /// The digest's bytes in four little-endian words, zero-padded: stored inline, since hash databases hold
    /// millions of signatures.
    public var digestWords: (UInt64, UInt64, UInt64, UInt64)
    /// The file size the signature applies to; `nil` for `*` (any size).
    public var size: Int?

    /// The digest bytes.
    public var digest: [UInt8] {
        let words = [digestWords.0, digestWords.1, digestWords.2, digestWords.3]
        return (0..<algorithm.digestLength).map { UInt8(truncatingIfNeeded: words[$0 / 8] >> UInt64(8 * ($0 % 8))) }
    }

    /// Creates a signature; `digest` holds `algorithm.digestLength` bytes.
    public init(name: String, algorithm: HashAlgorithm, digest: [UInt8], size: Int?) {
        self.name = name
        self.algorithm = algorithm
        digestWords = Self.words(of: digest)
        self.size = size
    }

    /// Up to 32 digest bytes as four little-endian words, zero-padded.
    public static func words<Bytes: Sequence>(of bytes: Bytes) -> (UInt64, UInt64, UInt64, UInt64)
    where Bytes.Element == UInt8 {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for (i, b) in bytes.enumerated() where i < 32 {
            let v = UInt64(b) << UInt64(8 * (i % 8))
            switch i / 8 {
            case 0: words.0 |= v
            case 1: words.1 |= v
            case 2: words.2 |= v
            default: words.3 |= v
            }
        }
        return words
    }

    /// Whether two signatures are the same.
    public static func == (a: HashSignature, b: HashSignature) -> Bool {
        a.name == b.name && a.algorithm == b.algorithm && a.digestWords == b.digestWords && a.size == b.size
    }

    /// The functionality level from which clamscan accepts a `*` size.
    public static let wildcardSizeLevel = 73

    /// Parses one line from its bytes without building strings, except the name: hash databases hold
    /// millions of lines. Falls back to ``parse(line:at:)`` for anything unusual, which also words errors.
    static func parse(bytes line: ArraySlice<UInt8>, at location: SourceLocation) throws(SignatureError)
        -> HashSignature?
    {
        let colon = UInt8(ascii: ":")
        var fields: [Range<Int>] = []
        var start = line.startIndex
        for i in line.indices where line[i] == colon {
            fields.append(start..<i)
            start = i + 1
            if fields.count > 3 { break }
        }
        fields.append(start..<line.endIndex)
        // The common form: HASH:SIZE:NAME with a decimal size and no FLEVEL fields.
        guard fields.count == 3, !fields[2].isEmpty, !fields[1].isEmpty, fields[1].count <= 18,
            let algorithm = HashAlgorithm(digestLength: fields[0].count / 2), fields[0].count % 2 == 0,
            let name = String(validating: line[fields[2]], as: UTF8.self)
        else {
            return try slowParse(line, at: location)
        }
        var size = 0
        for c in line[fields[1]] {
            guard (48...57).contains(c) else { return try slowParse(line, at: location) }
            size = size * 10 + Int(c - 48)
        }
        var words: [UInt64] = [0, 0, 0, 0]
        var i = fields[0].lowerBound
        for k in 0..<algorithm.digestLength {
            guard let high = ASCII.hexDigit(line[i]), let low = ASCII.hexDigit(line[i + 1]) else {
                return try slowParse(line, at: location)
            }
            words[k / 8] |= UInt64(high << 4 | low) << UInt64(8 * (k % 8))
            i += 2
        }
        var signature = HashSignature(name: name, algorithm: algorithm, digest: [], size: size)
        signature.digestWords = (words[0], words[1], words[2], words[3])
        return signature
    }

    private static func slowParse(_ line: ArraySlice<UInt8>, at location: SourceLocation) throws(SignatureError)
        -> HashSignature?
    {
        guard let text = String(validating: line, as: UTF8.self) else {
            throw SignatureError(.malformed, "line is not valid UTF-8 text", at: location)
        }
        return try parse(line: text[...], at: location)
    }

    /// Parses one line; `nil` when the line's FLEVEL range excludes ``FunctionalityLevel/current``.
    ///
    /// - Parameters:
    ///   - sizeFirst: the line is `SIZE:HASH:NAME` (`.mdb`, `.msb`) rather than `HASH:SIZE:NAME`.
    ///   - wildcardNeedsLevel: a `*` size needs a minimum FLEVEL of 73 (not so in `.imp` files).
    public static func parse(line: Substring, at location: SourceLocation, sizeFirst: Bool = false,
        wildcardNeedsLevel: Bool = true) throws(SignatureError) -> HashSignature?
    {
        let text = String(line)
        var fields = LineFields(line)
        if sizeFirst, fields.count >= 2 {
            fields.values.swapAt(0, 1)
            fields.columns.swapAt(0, 1)
        }
        func fail(_ message: String, field: Int?) -> SignatureError {
            var at = location
            at.column = field.map { fields.columns[$0] }
            return SignatureError(.malformed, message, at: at, excerpt: text)
        }
        guard (3...5).contains(fields.count) else {
            let form = sizeFirst ? "SIZE:HASH:NAME" : "HASH:SIZE:NAME"
            throw fail("expected \(form)[:MIN_FLEVEL[:MAX_FLEVEL]], found \(fields.count) fields", field: nil)
        }
        guard let digest = decodeHex(fields.values[0]), let algorithm = HashAlgorithm(digestLength: digest.count)
        else {
            throw fail("hash must be 32, 40 or 64 hex digits (MD5, SHA1 or SHA256)", field: 0)
        }
        let minimum = try fields.level(3, in: location, line: text)
        let maximum = try fields.level(4, in: location, line: text)
        let size: Int?
        if fields.values[1] == "*" {
            guard !wildcardNeedsLevel || (minimum ?? 0) >= wildcardSizeLevel else {
                throw fail("a '*' size needs a minimum functionality level of at least \(wildcardSizeLevel)", field: 1)
            }
            size = nil
        } else if let value = Int(fields.values[1]), value >= 0, fields.values[1].first != "+" {
            size = value
        } else {
            throw fail("size must be a decimal number or '*'", field: 1)
        }
        guard !fields.values[2].isEmpty else { throw fail("the signature has no name", field: 2) }
        guard FunctionalityLevel.admits(minimum: minimum, maximum: maximum) else { return nil }
        return HashSignature(name: String(fields.values[2]), algorithm: algorithm, digest: digest, size: size)
    }
}

/// Decodes an even-length run of hex digits (either case); `nil` if any character is not hex.
func decodeHex(_ text: Substring) -> [UInt8]? {
    let utf8 = Array(text.utf8)
    guard !utf8.isEmpty, utf8.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(utf8.count / 2)
    var index = 0
    while index < utf8.count {
        guard let high = ASCII.hexDigit(utf8[index]), let low = ASCII.hexDigit(utf8[index + 1]) else { return nil }
        bytes.append(high << 4 | low)
        index += 2
    }
    return bytes
}
