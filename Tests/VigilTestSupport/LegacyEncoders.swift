/// Encoders for the old formats Vigil only reads, so tests build their files: SZDD (`compress.exe`) and
/// BinHex 4.0.
public enum LegacyEncoders {
    /// An SZDD file of `content`: literals, and a back-reference wherever the last 18 bytes repeat at least
    /// 3 bytes (a real LZSS encoder's choices, simplified). `declaredSize` overrides the header's length.
    public static func szdd(_ content: [UInt8], declaredSize: Int? = nil) -> [UInt8] {
        var out: [UInt8] = [0x53, 0x5A, 0x44, 0x44, 0x88, 0xF0, 0x27, 0x33, 0x41, 0x00]
        out += le32(UInt32(declaredSize ?? content.count))
        var i = 0
        while i < content.count {
            var control: UInt8 = 0
            var block: [UInt8] = []
            for bit in 0..<8 where i < content.count {
                // A run of the previous byte, as a reference one byte back (the window overlaps itself).
                var run = 0
                while i > 0, i + run < content.count, run < 18, content[i + run] == content[i - 1] { run += 1 }
                if run >= 3 {
                    let from = (4096 - 16 + i - 1) & 4095
                    block += [UInt8(from & 0xFF), UInt8((from >> 4) & 0xF0) | UInt8(run - 3)]
                    i += run
                } else {
                    control |= 1 << bit
                    block.append(content[i])
                    i += 1
                }
            }
            out.append(control)
            out += block
        }
        return out
    }

    /// A BinHex 4.0 file holding `name` with `data` and `resource` forks (runs of a byte encoded with `0x90`).
    public static func binHex(name: String, data: [UInt8], resource: [UInt8] = []) -> [UInt8] {
        func be32(_ v: Int) -> [UInt8] { (0..<4).reversed().map { UInt8((v >> (8 * $0)) & 0xFF) } }
        var plain: [UInt8] = [UInt8(name.utf8.count)] + Array(name.utf8) + [0]
        plain += Array("TEXTttxt".utf8) + [0, 0] + be32(data.count) + be32(resource.count) + [0, 0]
        plain += data + [0, 0] + resource + [0, 0]
        // Run-length encoding: a byte repeated n (3...255) times is the byte, 0x90, n; 0x90 itself is 0x90 0.
        var packed: [UInt8] = []
        var i = 0
        while i < plain.count {
            let byte = plain[i]
            var run = 1
            while i + run < plain.count, plain[i + run] == byte, run < 255 { run += 1 }
            packed += byte == 0x90 ? [0x90, 0] : [byte]
            if run >= 3, byte != 0x90 {
                packed += [0x90, UInt8(run)]
            } else {
                run = 1
            }
            i += run
        }
        let alphabet = Array("!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr".utf8)
        var text = Array("(This file must be converted with BinHex 4.0)\r\n:".utf8)
        var bits: UInt32 = 0
        var count = 0
        for byte in packed {
            bits = bits << 8 | UInt32(byte)
            count += 8
            while count >= 6 {
                count -= 6
                text.append(alphabet[Int((bits >> UInt32(count)) & 63)])
                if text.count % 65 == 0 { text += [0x0D, 0x0A] }
            }
        }
        if count > 0 { text.append(alphabet[Int((bits << UInt32(6 - count)) & 63)]) }
        return text + Array(":\r\n".utf8)
    }

    /// An EPOC release 6 SIS file (Unicode names) holding `files`, zlib-compressed unless `compress` is
    /// false; a file with several contents is a multi-language record (one content per language).
    public static func sis(_ files: [(name: String, contents: [[UInt8]])], languages: Int = 1, compress: Bool = true)
        -> [UInt8]
    {
        let recordsStart = 68
        let recordsSize = files.reduce(0) { $0 + 28 + 12 * $1.contents.count }
        var blobs: [UInt8] = []
        var records: [UInt8] = []
        for file in files {
            let name = file.name.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
            let nameOffset = recordsStart + recordsSize + blobs.count
            blobs += name
            var lengths: [UInt8] = []
            var offsets: [UInt8] = []
            var originals: [UInt8] = []
            for content in file.contents {
                let stored = compress ? TestArchive.deflate(content, .zlib) : content
                lengths += le32(stored.count)
                offsets += le32(recordsStart + recordsSize + blobs.count)
                originals += le32(content.count)
                blobs += stored
            }
            records +=
                le32(file.contents.count > 1 ? 1 : 0) + le32(0) + le32(0)
                + le32(0) + le32(0)
            records += le32(name.count) + le32(nameOffset) + lengths + offsets + originals
        }
        var header =
            le32(0x0123_4567) + le32(0x1000_3A12) + le32(0x1000_0419)
            + le32(0) + le16(0)
        header +=
            le16(languages) + le16(files.count) + le16(0) + le16(0)
            + le16(0) + le16(0x21) + le16(0)
        header +=
            le32(200) + le16(compress ? 1 : 1 | 8) + le16(0) + le16(1)
            + le16(0) + le32(0)
        header +=
            le32(0) + le32(recordsStart) + le32(0) + le32(0)
            + le32(0)
        return header + records + blobs
    }
}
