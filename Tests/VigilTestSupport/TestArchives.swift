import CVigilZlib

/// Writes the tar and deflate streams tests feed to Vigil's readers (ClamAV containers are gzip'd tars).
public enum TestArchive {
    /// How tar headers are written.
    public enum TarStyle: Sendable {
        /// As ClamAV's `sigtool` and `freshclam` write them: name, size and checksum only, no magic, type `\0`.
        case sigtool
        /// POSIX ustar: magic, mode, type `0`; names over 100 bytes split into the prefix field.
        case ustar
        /// GNU: `ustar  ` magic; names over 100 bytes in a preceding `L` record.
        case gnu
    }

    /// The deflate framings.
    public enum Compression: Sendable {
        case gzip, zlib, raw

        var windowBits: Int32 {
            switch self {
            case .gzip: 31
            case .zlib: 15
            case .raw: -15
            }
        }
    }

    /// A tar archive of regular files, each padded to 512 bytes; with `endBlocks`, closed by two zero blocks.
    public static func tar(
        _ members: [(name: String, bytes: [UInt8])], style: TarStyle = .sigtool,
        endBlocks: Bool = false
    ) -> [UInt8] {
        var out: [UInt8] = []
        for member in members {
            out += entry(name: member.name, bytes: member.bytes, style: style)
        }
        if endBlocks { out += [UInt8](repeating: 0, count: 1024) }
        return out
    }

    /// One tar entry: header(s), contents, padding.
    public static func entry(name: String, bytes: [UInt8], style: TarStyle = .sigtool, typeFlag: UInt8? = nil)
        -> [UInt8]
    {
        var out: [UInt8] = []
        var fieldName = Array(name.utf8)
        var prefix: [UInt8] = []
        if fieldName.count > 100 {
            switch style {
            case .gnu:
                out += entry(name: "././@LongLink", bytes: fieldName + [0], style: .gnu, typeFlag: UInt8(ascii: "L"))
                fieldName = Array(fieldName.prefix(100))
            case .ustar:
                let slash = fieldName.lastIndex(of: UInt8(ascii: "/"))!
                prefix = Array(fieldName[..<slash])
                fieldName = Array(fieldName[(slash + 1)...])
            case .sigtool:
                fieldName = Array(fieldName.prefix(100))
            }
        }
        let flag = typeFlag ?? (style == .sigtool ? 0 : UInt8(ascii: "0"))
        out += header(name: fieldName, prefix: prefix, size: bytes.count, typeFlag: flag, style: style)
        out += bytes
        out += [UInt8](repeating: 0, count: (512 - bytes.count % 512) % 512)
        return out
    }

    /// A 512-byte header with a correct checksum.
    public static func header(name: [UInt8], prefix: [UInt8] = [], size: Int, typeFlag: UInt8, style: TarStyle)
        -> [UInt8]
    {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int) { h.replaceSubrange(offset..<offset + bytes.count, with: bytes) }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = Array(String(value, radix: 8).utf8)
            return [UInt8](repeating: UInt8(ascii: "0"), count: max(0, width - 1 - digits.count)) + digits + [0]
        }
        put(Array(name.prefix(100)), at: 0)
        if style == .sigtool {
            put(Array(String(size, radix: 8).utf8), at: 124)
        } else {
            put(octal(0o644, width: 8), at: 100)
            put(octal(0, width: 8), at: 108)
            put(octal(0, width: 8), at: 116)
            put(octal(size, width: 12), at: 124)
            put(octal(1_700_000_000, width: 12), at: 136)
            put(style == .ustar ? Array("ustar\u{0}00".utf8) : Array("ustar  \u{0}".utf8), at: 257)
            put(Array(prefix.prefix(155)), at: 345)
        }
        h[156] = typeFlag
        put([UInt8](repeating: UInt8(ascii: " "), count: 8), at: 148)
        let sum = h.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7), at: 148)
        return h
    }

    /// Compresses with zlib's deflate (level 9, as `sigtool` writes containers).
    public static func deflate(_ bytes: [UInt8], _ compression: Compression = .gzip, level: Int32 = 9) -> [UInt8] {
        var stream = z_stream()
        let status = deflateInit2_(
            &stream, level, Z_DEFLATED, compression.windowBits, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2 failed")
        defer { deflateEnd(&stream) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
        let produced = input.withUnsafeMutableBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = inp.baseAddress
                stream.avail_in = uInt(inp.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                precondition(CVigilZlib.deflate(&stream, Z_FINISH) == Z_STREAM_END, "deflate did not finish")
                return out.count - Int(stream.avail_out)
            }
        }
        return Array(output.prefix(produced))
    }
}
