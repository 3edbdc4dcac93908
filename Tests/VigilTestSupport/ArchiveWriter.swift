import CVigilArchive

/// Archives built at test time with libarchive's writer, so no archive file is checked in.
public enum ArchiveWriter {
    /// An archive format libarchive writes.
    public enum Format: String, Sendable {
        case zip, sevenZip = "7zip", ustar, gnutar, cpioNewc = "newc", cpioODC = "odc", iso9660, xar, ar = "arsvr4"
        /// A single compressed stream (no archive around the data; use one member).
        case raw
    }

    /// A compression filter around the archive.
    public enum Filter: String, Sendable {
        case none, gzip, bzip2, xz, lzma, zstd, compress
    }

    /// A deflated zip of `members` (other zip options in `options`).
    public static func zip(_ members: [(String, [UInt8])], options: String = "zip:compression=deflate") -> [UInt8] {
        build(members.map { (name: $0.0, bytes: $0.1) }, format: .zip, options: options)
    }

    /// The archive bytes of `members` in `format`, compressed by `filter`; zip options such as
    /// `zip:compression=store` or `zip:encryption=zipcrypt` (with `passphrase`) go in `options`.
    public static func build(_ members: [(name: String, bytes: [UInt8])], format: Format, filter: Filter = .none,
        options: String? = nil, passphrase: String? = nil) -> [UInt8]
    {
        let archive = archive_write_new()!
        defer { archive_write_free(archive) }
        if format == .raw {
            precondition(archive_write_set_format_raw(archive) == ARCHIVE_OK)
        } else {
            precondition(archive_write_set_format_by_name(archive, format.rawValue) == ARCHIVE_OK, "format \(format)")
        }
        if filter != .none {
            precondition(archive_write_add_filter_by_name(archive, filter.rawValue) == ARCHIVE_OK, "filter \(filter)")
        }
        if let options { precondition(archive_write_set_options(archive, options) == ARCHIVE_OK, "options \(options)") }
        if let passphrase { archive_write_set_passphrase(archive, passphrase) }
        var buffer = [UInt8](repeating: 0, count: members.reduce(1 << 20) { $0 + 2 * $1.bytes.count })
        var used = 0
        buffer.withUnsafeMutableBytes { out in
            precondition(archive_write_open_memory(archive, out.baseAddress, out.count, &used) == ARCHIVE_OK)
            for member in members {
                let entry = archive_entry_new()!
                archive_entry_set_pathname(entry, member.name)
                // A name ending in "/" is a directory.
                let directory = member.name.hasSuffix("/")
                archive_entry_set_size(entry, directory ? 0 : Int64(member.bytes.count))
                archive_entry_set_filetype(entry, directory ? 0o040000 : 0o100000)
                archive_entry_set_perm(entry, 0o644)
                archive_entry_set_mtime(entry, 1_700_000_000, 0)
                precondition(archive_write_header(archive, entry) == ARCHIVE_OK)
                _ = member.bytes.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
                archive_entry_free(entry)
            }
            precondition(archive_write_close(archive) == ARCHIVE_OK)
        }
        return Array(buffer.prefix(used))
    }
}
