/// A container metadata signature from a `.cdb` file: `NAME:CONTAINER_TYPE:CONTAINER_SIZE:NAME_REGEX:`
/// `SIZE_IN_CONTAINER:REAL_SIZE:ENCRYPTED:POSITION:RES1:RES2[:MIN_FLEVEL[:MAX_FLEVEL]]`.
///
/// It matches a member of a container by what the container's headers say about it — its name, sizes,
/// encryption and position — before the member is unpacked. Every field but the name may be `*` (any).
public struct ContainerMetadataSignature: Sendable, Equatable {
    /// A size or position field: one value, or a range `x-y` where 0 leaves that end open (clamscan's
    /// reading, so `0-100` and `100-0` mean "at most 100" and "at least 100").
    public struct Bounds: Sendable, Equatable {
        /// The lower and upper values as written.
        public var lower: Int
        public var upper: Int

        /// Creates bounds.
        public init(_ lower: Int, _ upper: Int) {
            self.lower = lower
            self.upper = upper
        }

        /// Whether `value` is within the bounds.
        public func contains(_ value: Int) -> Bool {
            if lower == upper { return value == lower }
            return !((lower != 0 && lower > value) || (upper != 0 && upper < value))
        }
    }

    /// The name reported on a match.
    public var name: String
    /// The container's type (`CL_TYPE_ZIP`); `nil` for any.
    public var containerType: String?
    /// The container's own size.
    public var containerSize: Bounds?
    /// A POSIX extended regular expression searched in the member's name (`nil`: any name).
    public var namePattern: RegexNode?
    /// The member's size inside the container (usually compressed) and its real size.
    public var storedSize: Bounds?
    public var size: Bounds?
    /// Whether the member must be encrypted (`true`) or not (`false`); `nil` for either.
    public var encrypted: Bool?
    /// The member's position in the container (each container type counts as clamscan does).
    public var position: Bounds?
    /// The line it was parsed from: a compiled database keeps it.
    public var source: String

    /// Parses one `.cdb` line; `nil` when the line's FLEVEL range excludes ``FunctionalityLevel/current``.
    ///
    /// `RES1` and `RES2` are read but not used, as clamscan 1.4 does not use them.
    public static func parse(line: Substring, at location: SourceLocation) throws(SignatureError)
        -> ContainerMetadataSignature?
    {
        let text = String(line)
        let fields = LineFields(line)
        func at(_ field: Int) -> SourceLocation { fields.location(of: field, in: location) }
        guard (10...12).contains(fields.count) else {
            throw SignatureError(
                .malformed,
                "expected NAME:CONTAINER_TYPE:CONTAINER_SIZE:NAME_REGEX:SIZE_IN_CONTAINER:REAL_SIZE:ENCRYPTED:"
                    + "POSITION:RES1:RES2[:MIN_FLEVEL[:MAX_FLEVEL]], found \(fields.count) fields",
                at: location, excerpt: text)
        }
        guard !fields.values[0].isEmpty else {
            throw SignatureError(.malformed, "the signature has no name", at: at(0), excerpt: text)
        }
        let minimum = try fields.level(10, in: location, line: text)
        let maximum = try fields.level(11, in: location, line: text)
        let type = fields.values[1]
        guard
            type == "*"
                || (type.hasPrefix("CL_TYPE_") && type.utf8.count > 8
                    && type.utf8.allSatisfy {
                        (65...90).contains($0) || (48...57).contains($0) || $0 == UInt8(ascii: "_")
                    })
        else {
            throw SignatureError(
                .malformed, "invalid container type '\(type)' (expected * or CL_TYPE_...)", at: at(1),
                excerpt: text)
        }
        func bounds(_ field: Int, _ what: String) throws(SignatureError) -> Bounds? {
            let value = fields.values[field]
            if value == "*" { return nil }
            let parts = value.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            let numbers = parts.compactMap { ASCII.decimal($0.utf8, maxDigits: 10) }.filter { $0 < 0xFFFF_FFFF }
            guard numbers.count == parts.count else {
                throw SignatureError(
                    .malformed, "invalid \(what) '\(value)' (expected *, N or N-M)", at: at(field),
                    excerpt: text)
            }
            return Bounds(numbers[0], numbers.last!)
        }
        let containerSize = try bounds(2, "container size")
        let storedSize = try bounds(4, "size in the container")
        let size = try bounds(5, "real size")
        let position = try bounds(7, "file position")
        let encrypted: Bool?
        switch fields.values[6] {
        case "*": encrypted = nil
        case "0": encrypted = false
        case "1": encrypted = true
        default:
            throw SignatureError(
                .malformed, "invalid encryption flag '\(fields.values[6])' (expected 0, 1 or *)",
                at: at(6), excerpt: text)
        }
        var namePattern: RegexNode?
        if fields.values[3] != "*" {
            var options = RegexOptions()
            options.posixExtended = true
            do throws(RegexError) {
                namePattern = try RegexNode.parse(Array(fields.values[3].utf8), options: options)
            } catch {
                var l = at(3)
                l.column = l.column.map { $0 + error.offset }
                throw SignatureError(
                    error.unsupported ? .unsupported : .malformed, "name regex: \(error.message)",
                    at: l, excerpt: text)
            }
        }
        guard FunctionalityLevel.admits(minimum: minimum, maximum: maximum) else { return nil }
        return ContainerMetadataSignature(
            name: String(fields.values[0]),
            containerType: type == "*" ? nil : String(type), containerSize: containerSize, namePattern: namePattern,
            storedSize: storedSize, size: size, encrypted: encrypted, position: position, source: text)
    }
}
