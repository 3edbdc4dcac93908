import VigilFormats
import VigilSignatures

/// What a container's headers say about one member, as clamscan passes it to its `.cdb` signatures.
struct MemberMetadata {
    /// The member's name as the container stores it.
    var name: [UInt8]
    /// Its size inside the container (compressed for zip; 0 where clamscan passes none, as for 7z and cab).
    var storedSize: Int
    /// Its real size, as declared.
    var size: Int
    var isEncrypted: Bool
    /// Its position, counted as clamscan counts it for the container's type.
    var position: Int
}

extension FileType {
    /// Whether clamscan's reader for this type checks a member's metadata before the MaxFiles limit (the
    /// others check it after).
    var checksMetadataFirst: Bool { [.cab, .cpioOld, .cpioODC, .cpioNewc, .cpioCRC].contains(self) }

    /// Whether clamscan's reader for this type stops at an empty member once MaxFiles is reached (the others
    /// pass over empty members, which are not scanned and do not count).
    var stopsAtEmptyMemberPastLimit: Bool { [.posixTar, .oldTar, .sevenZip].contains(self) }

    /// What clamscan tells `.cdb` signatures about a member libarchive read from a container of this type,
    /// numbered as clamscan's own reader for the type numbers it (`regularPosition` counts the regular
    /// members so far, from 1); `nil` where clamscan checks none (and for zip, whose headers are read
    /// separately, and rar, whose packed size libarchive does not give).
    func metadata(of member: ArchiveMember, regularPosition: Int) -> MemberMetadata? {
        let name = Array(member.name.utf8)
        switch self {
        case .sevenZip:
            return MemberMetadata(
                name: name, storedSize: 0, size: member.size, isEncrypted: member.isEncrypted,
                position: member.index)
        case .cab:
            return MemberMetadata(
                name: name, storedSize: 0, size: member.size, isEncrypted: false,
                position: member.index)
        case .posixTar, .oldTar:
            // clamscan reads the header's 100-byte name field.
            return MemberMetadata(
                name: Array(name.prefix(100)), storedSize: member.size, size: member.size,
                isEncrypted: false, position: regularPosition)
        case .cpioOld, .cpioODC, .cpioNewc, .cpioCRC:
            // Entries of size 0 are passed over; every entry counts, directories included.
            guard member.size > 0 else { return nil }
            return MemberMetadata(
                name: name, storedSize: member.size, size: member.size, isEncrypted: false,
                position: member.index + 1)
        default:
            return nil
        }
    }
}

/// The `.cdb` signatures of an engine, as their source lines with their name indices, parsed again the
/// first time a scan checks a member (loading a compiled database does no work per signature).
struct ContainerSignatureSources: Sendable {
    private let lines: NameTable
    private let names: FlatTable<UInt32>

    var count: Int { names.count }

    init(_ reader: inout ImageReader) throws(ImageError) {
        lines = try NameTable(&reader, pool: "CDBP", ends: "CDBE")
        names = try reader.table("CDBN")
        guard lines.count == names.count else { throw ImageError("malformed: container signature tables disagree") }
    }

    /// The signatures, parsed, in clamscan's checking order (the last loaded first); a line that no longer
    /// parses (a damaged database) is left out.
    func decode() -> [CompiledContainerSignature] {
        (0..<count).reversed().compactMap { index in
            guard let bytes = lines.bytes(index), let line = String(validating: bytes, as: UTF8.self),
                let signature = try? ContainerMetadataSignature.parse(
                    line: line[...],
                    at: SourceLocation(file: "compiled database", line: index + 1))
            else { return nil }
            return try? CompiledContainerSignature(signature, name: Int(names[index]))
        }
    }

    /// Collects the `.cdb` signatures of an image.
    struct Builder {
        private var lines = NameTable.Builder()
        private var names: [UInt32] = []

        mutating func add(_ signature: ContainerMetadataSignature, name: Int) {
            lines.append(signature.source)
            names.append(UInt32(name))
        }

        func write(to writer: inout ImageWriter) {
            lines.write(to: &writer, pool: "CDBP", ends: "CDBE")
            writer.put("CDBN", names)
        }
    }
}

/// A `.cdb` signature ready to check members against.
struct CompiledContainerSignature {
    let signature: ContainerMetadataSignature
    let name: Int
    let namePattern: RegexProgram?

    /// The ClamAV names of the container types Vigil knows (a `.cdb` naming another type is skipped).
    static let knownTypes = Set(FileType.allCases.map(\.clamAVName))

    init(_ signature: ContainerMetadataSignature, name: Int) throws(RegexError) {
        self.signature = signature
        self.name = name
        namePattern = try signature.namePattern.map { node throws(RegexError) in try RegexProgram(node) }
    }

    /// Whether `member` of a container of type `container` and size `containerSize` matches.
    func matches(_ member: MemberMetadata, container: FileType, containerSize: Int) -> Bool {
        let s = signature
        if let type = s.containerType, type != container.clamAVName { return false }
        if let encrypted = s.encrypted, encrypted != member.isEncrypted { return false }
        if let bounds = s.containerSize, !bounds.contains(containerSize) { return false }
        if let bounds = s.storedSize, !bounds.contains(member.storedSize) { return false }
        if let bounds = s.size, !bounds.contains(member.size) { return false }
        if let bounds = s.position, !bounds.contains(member.position) { return false }
        if let namePattern {
            // regexec reads the name as a C string: up to its first NUL.
            let name = member.name.prefix { $0 != 0 }
            return name.withUnsafeBytes { namePattern.firstMatch(in: $0, from: 0, anchored: false) != nil }
        }
        return true
    }
}
