import CVigilArchive

/// One member of an archive, or the content of a compressed stream.
public struct ArchiveMember: Sendable {
    /// The member's path inside the archive (empty for a compressed stream that names none).
    public var name: String
    /// Its content, at most the size the caller allowed.
    public var data: [UInt8]
    /// Whether the content went on past the allowed size (``data`` then holds only the allowed part).
    public var truncated: Bool
    /// Whether the member is encrypted (its content is then not read).
    public var isEncrypted: Bool
    /// Its size as the archive declares it (the content's length if the archive declares none).
    public var size: Int
    /// Its index among every entry of the archive, directories and links included, from 0.
    public var index: Int
    /// Whether it is the source of a VBA macro module (reported with `--alert-macros`).
    public var isMacro = false
}

/// Why an archive could not be read to its end.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    /// libarchive's message.
    public var message: String
    /// The message.
    public var description: String { message }
}

/// Reads archives and compressed streams from memory through libarchive: the formats clamscan unpacks and
/// libarchive reads (zip, 7z, rar and rar5, cab, tar, cpio, iso9660, xar, lha, ar) and the compressed streams
/// (gzip, bzip2, xz, lzma, zstd, compress), which give one member each.
public enum ArchiveReader {
    /// What to read a buffer as.
    public enum Kind: Sendable, Equatable {
        /// An archive of members, in any format libarchive knows (after any compression filter).
        case archive
        /// One compressed stream: its decompressed content is the only member (clamscan scans a `.tar.gz`
        /// as a gzip stream holding a tar archive, one layer each).
        case compressedStream
    }

    /// Calls `visit` with each regular file member in order, reading at most `maximumSize` bytes of each, until it returns
    /// false. Members already visited stay visited when the archive turns out damaged: the error is thrown
    /// after them.
    public static func forEachMember(
        in bytes: UnsafeRawBufferPointer, as kind: Kind, maximumSize: Int,
        _ visit: (ArchiveMember) -> Bool
    ) throws(ArchiveError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        guard let archive = archive_read_new() else { throw ArchiveError(message: "out of memory") }
        defer { archive_read_free(archive) }
        archive_read_support_filter_all(archive)
        switch kind {
        case .archive: archive_read_support_format_all(archive)
        case .compressedStream: archive_read_support_format_raw(archive)
        }
        guard archive_read_open_memory(archive, base, bytes.count) == ARCHIVE_OK else {
            throw error(archive)
        }
        var entry: OpaquePointer?
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var index = -1
        while true {
            let status = archive_read_next_header(archive, &entry)
            if status == ARCHIVE_EOF { return }
            if status == ARCHIVE_RETRY { continue }
            guard status >= ARCHIVE_WARN, let entry else { throw error(archive) }
            index += 1
            // Directories, links and devices hold nothing to scan.
            guard kind == .compressedStream || cvigil_entry_is_regular_file(entry) != 0 else { continue }
            let declared =
                archive_entry_size_is_set(entry) != 0 ? Int(clamping: max(0, archive_entry_size(entry))) : nil
            var member = ArchiveMember(
                name: name(of: entry), data: [], truncated: false,
                isEncrypted: archive_entry_is_encrypted(entry) != 0, size: declared ?? 0, index: index)
            if !member.isEncrypted {
                // Reserve the declared size (within the limit) so a large member is not copied as it grows.
                if let declared { member.data.reserveCapacity(min(declared, maximumSize)) }
                let complete = read(archive, into: &member, maximumSize: maximumSize, through: &chunk)
                if declared == nil, !member.truncated { member.size = member.data.count }
                if !complete, !member.truncated {
                    // A member whose data fails to decode: encrypted (zip traditional encryption is only
                    // known once read) or damaged; what was read is still scanned.
                    if archive_entry_is_data_encrypted(entry) != 0 { member.isEncrypted = true }
                    guard visit(member) else { return }
                    throw error(archive)
                }
            }
            guard visit(member) else { return }
        }
    }

    /// Reads the current member's data; returns false if libarchive failed before its end.
    private static func read(
        _ archive: OpaquePointer, into member: inout ArchiveMember, maximumSize: Int,
        through chunk: inout [UInt8]
    ) -> Bool {
        while true {
            let count = chunk.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, $0.count) }
            if count == 0 { return true }
            if count < 0 { return false }
            let room = maximumSize - member.data.count
            if count > room {
                member.data += chunk[..<max(0, room)]
                member.truncated = true
                return true
            }
            member.data += chunk[..<count]
        }
    }

    private static func name(of entry: OpaquePointer) -> String {
        if let utf8 = archive_entry_pathname_utf8(entry) { return String(cString: utf8) }
        if let raw = archive_entry_pathname(entry) { return String(cString: raw) }
        return ""
    }

    private static func error(_ archive: OpaquePointer) -> ArchiveError {
        ArchiveError(message: archive_error_string(archive).map { String(cString: $0) } ?? "unreadable archive")
    }
}
