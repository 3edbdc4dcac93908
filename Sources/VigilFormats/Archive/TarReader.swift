/// A tar archive that cannot be read: a truncated or corrupt header, or more entries than allowed.
public struct TarError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let rawValue: String
        public var description: String { rawValue }
        /// The archive ends inside a header or an entry's contents.
        public static let truncated = Code(rawValue: "truncated")
        /// A header's checksum does not match its bytes.
        public static let badChecksum = Code(rawValue: "bad checksum")
        /// A header field cannot be read (size, name, extended header).
        public static let malformed = Code(rawValue: "malformed")
        /// The archive has more entries, or a longer name, than the reader allows.
        public static let limitExceeded = Code(rawValue: "limit exceeded")
    }

    /// The kind of failure.
    public var code: Code
    /// A sentence saying what is wrong, without a trailing period.
    public var message: String
    /// The byte offset of the header at fault.
    public var offset: Int

    /// Creates an error.
    public init(_ code: Code, _ message: String, offset: Int) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    /// The message and where.
    public var description: String { "\(message) (tar header at offset \(offset))" }
}

/// One entry of a tar archive: its name, kind, and where its contents are.
public struct TarEntry: Sendable, Equatable {
    /// What the entry is.
    public enum Kind: Sendable, Equatable {
        /// A regular file (`0`, NUL as in pre-POSIX archives, `7`).
        case regularFile
        /// A directory (`5`).
        case directory
        /// A symbolic link (`2`).
        case symbolicLink
        /// A hard link (`1`).
        case hardLink
        /// Any other type flag (devices, FIFOs, vendor extensions).
        case other(UInt8)
    }

    /// The entry's path as stored (a GNU long name or a pax `path` record replaces the 100-byte field).
    public var name: String
    /// The entry's kind.
    public var kind: Kind
    /// The offset of the entry's header block.
    public var headerOffset: Int
    /// Where the entry's contents are in the archive.
    public var dataRange: Range<Int>

    /// The contents' size in bytes.
    public var size: Int { dataRange.count }
}

/// Reads ustar, GNU and pre-POSIX (v7) tar archives held in memory, without trapping on any input: every size
/// is checked against the bytes present before it is used, every header's checksum is verified, and each step
/// moves forward by at least one 512-byte block.
///
/// GNU long names (`L`) and pax `path` records (`x`) are applied to the entry that follows them; other pax and
/// GNU extension records are skipped. The archive may end with zero blocks, or — as ClamAV's `sigtool` and
/// `freshclam` write them — simply at the end of the last entry's padded contents.
public struct TarReader: Sendable {
    /// Bounds on what one archive may make the reader do.
    public struct Limits: Sendable, Equatable {
        /// The most headers (entries and extension records) read.
        public var maxEntries: Int
        /// The longest name accepted from a GNU long-name or pax record.
        public var maxNameLength: Int

        /// Creates limits.
        public init(maxEntries: Int = 100_000, maxNameLength: Int = 4096) {
            self.maxEntries = maxEntries
            self.maxNameLength = maxNameLength
        }
    }

    /// The tar block size.
    public static let blockSize = 512

    /// Lists the entries of an archive (extension records are consumed, not listed).
    ///
    /// - Throws: ``TarError`` for a truncated archive, a header whose checksum fails, an unreadable size field,
    ///   or more entries than `limits` allow.
    public static func entries(in bytes: UnsafeRawBufferPointer, limits: Limits = Limits()) throws(TarError)
        -> [TarEntry]
    {
        let reader = ByteReader(bytes)
        var entries: [TarEntry] = []
        var offset = 0
        var headers = 0
        var pendingName: String?
        while offset < bytes.count {
            let remaining = bytes.count - offset
            if remaining < blockSize {
                // Short padding after the last block (some writers) is fine only if it is all zeros.
                guard isZero(bytes, offset..<bytes.count) else {
                    throw TarError(.truncated, "the archive ends inside a header", offset: offset)
                }
                break
            }
            if isZero(bytes, offset..<offset + blockSize) { break }
            headers += 1
            guard headers <= limits.maxEntries else {
                throw TarError(.limitExceeded, "more than \(limits.maxEntries) entries", offset: offset)
            }
            try verifyChecksum(bytes, at: offset)

            guard let size = number(bytes, offset + 124, 12) else {
                throw TarError(.malformed, "the size field is not a number", offset: offset)
            }
            let dataStart = offset + blockSize
            let available = bytes.count - dataStart
            guard size <= available else {
                throw TarError(
                    .truncated, "an entry's contents (\(size) bytes) run past the end of the archive", offset: offset)
            }
            let padded = size + (blockSize - size % blockSize) % blockSize
            guard padded <= available else {
                throw TarError(.truncated, "the archive ends inside an entry's last block", offset: offset)
            }
            let data = dataStart..<dataStart + size
            let flag = reader.u8(offset + 156) ?? 0

            switch flag {
            case UInt8(ascii: "L"):
                guard size <= limits.maxNameLength else {
                    throw TarError(.limitExceeded, "a GNU long name of \(size) bytes", offset: offset)
                }
                pendingName = string(bytes, data)
            case UInt8(ascii: "x"):
                if let path = try paxPath(bytes, data, header: offset, limits: limits) { pendingName = path }
            case UInt8(ascii: "g"), UInt8(ascii: "K"):
                break  // pax global records and GNU long link names say nothing Vigil uses
            default:
                let name = pendingName ?? headerName(bytes, at: offset)
                pendingName = nil
                entries.append(TarEntry(name: name, kind: kind(flag), headerOffset: offset, dataRange: data))
            }
            offset = dataStart + padded
        }
        return entries
    }

    /// Lists the entries of an archive held in an array.
    public static func entries(in bytes: [UInt8], limits: Limits = Limits()) throws(TarError) -> [TarEntry] {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(TarError) in try entries(in: raw, limits: limits) }
        }.get()
    }

    static func kind(_ flag: UInt8) -> TarEntry.Kind {
        switch flag {
        case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): .regularFile
        case UInt8(ascii: "1"): .hardLink
        case UInt8(ascii: "2"): .symbolicLink
        case UInt8(ascii: "5"): .directory
        default: .other(flag)
        }
    }

    static func isZero(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        for i in range where bytes[i] != 0 { return false }
        return true
    }

    /// The header's checksum: the sum of its bytes with the checksum field read as spaces. Both the unsigned sum
    /// (POSIX) and the signed one (some historic writers) are accepted, as GNU tar does.
    static func verifyChecksum(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(TarError) {
        guard let stored = number(bytes, offset + 148, 8) else {
            throw TarError(.badChecksum, "the header checksum field is not an octal number", offset: offset)
        }
        var unsigned = 0
        var signed = 0
        for i in offset..<offset + blockSize {
            let byte = (148..<156).contains(i - offset) ? UInt8(ascii: " ") : bytes[i]
            unsigned += Int(byte)
            signed += Int(Int8(bitPattern: byte))
        }
        guard stored == unsigned || stored == signed else {
            throw TarError(
                .badChecksum, "the header checksum is \(stored) but its bytes sum to \(unsigned)", offset: offset)
        }
    }

    /// A numeric header field: octal digits after optional spaces, ended by a space, a NUL or the field's end;
    /// or GNU base-256 (first byte's high bit set). `nil` for anything else, or a value beyond `Int`.
    static func number(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ length: Int) -> Int? {
        guard start >= 0, start + length <= bytes.count, length > 0 else { return nil }
        if bytes[start] & 0x80 != 0 {
            guard bytes[start] == 0x80 else { return nil }  // negative, or beyond 2^(8*(length-1))
            var value = 0
            for i in start + 1..<start + length {
                guard value <= (Int.max >> 8) else { return nil }
                value = value << 8 | Int(bytes[i])
            }
            return value
        }
        var i = start
        let end = start + length
        while i < end && bytes[i] == UInt8(ascii: " ") { i += 1 }
        var value = 0
        var digits = 0
        while i < end, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "7") {
            guard value <= (Int.max >> 3) else { return nil }
            value = value << 3 | Int(bytes[i] - UInt8(ascii: "0"))
            digits += 1
            i += 1
        }
        guard digits > 0 else { return nil }
        while i < end {
            guard bytes[i] == 0 || bytes[i] == UInt8(ascii: " ") else { return nil }
            i += 1
        }
        return value
    }

    /// A NUL-terminated string in `range`.
    static func string(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        var end = range.lowerBound
        while end < range.upperBound && bytes[end] != 0 { end += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range.lowerBound..<end]), as: UTF8.self)
    }

    /// The name field, with the ustar prefix (POSIX `ustar\0` archives only; GNU uses that space otherwise).
    static func headerName(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> String {
        let name = string(bytes, offset..<offset + 100)
        let reader = ByteReader(bytes)
        guard reader.hasBytes(Array("ustar\0".utf8), at: offset + 257) else { return name }
        let prefix = string(bytes, offset + 345..<offset + 500)
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    /// The `path` record of a pax extended header (`LENGTH key=value\n` records), if it has one.
    static func paxPath(_ bytes: UnsafeRawBufferPointer, _ data: Range<Int>, header: Int, limits: Limits)
        throws(TarError) -> String?
    {
        var path: String?
        var i = data.lowerBound
        while i < data.upperBound {
            let recordStart = i
            var length = 0
            while i < data.upperBound, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                guard length < data.count else { break }
                length = length * 10 + Int(bytes[i] - UInt8(ascii: "0"))
                i += 1
            }
            guard i < data.upperBound, bytes[i] == UInt8(ascii: " "), length >= i - recordStart + 2,
                length <= data.upperBound - recordStart, bytes[recordStart + length - 1] == UInt8(ascii: "\n")
            else {
                throw TarError(.malformed, "a pax extended header record is malformed", offset: header)
            }
            let record = i + 1..<recordStart + length - 1
            if let equals = record.first(where: { bytes[$0] == UInt8(ascii: "=") }),
                String(decoding: UnsafeRawBufferPointer(rebasing: bytes[record.lowerBound..<equals]), as: UTF8.self)
                    == "path"
            {
                guard record.upperBound - equals - 1 <= limits.maxNameLength else {
                    throw TarError(
                        .limitExceeded, "a pax path longer than \(limits.maxNameLength) bytes", offset: header)
                }
                path = String(
                    decoding: UnsafeRawBufferPointer(rebasing: bytes[equals + 1..<record.upperBound]), as: UTF8.self)
            }
            i = recordStart + length
        }
        return path
    }
}
