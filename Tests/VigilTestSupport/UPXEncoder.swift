/// UPX-packed executables, so tests build them: UCL's NRV2B, NRV2D and NRV2E streams (literals, distance-1
/// runs, the end marker) and UPX's LZMA streams; a 32-bit PE file whose UPX1 section holds the stream and the
/// stub's `mov esi`; an ELF file with UPX's `l_info`, `p_info` and blocks.
public enum UPXEncoder {
    /// UPX's compression methods.
    public enum Method: Sendable, CaseIterable { case nrv2b, nrv2d, nrv2e, lzma }

    /// The stream of `bytes` in `method`. NRV: a literal per byte, except runs of a repeated byte copied 4 at a
    /// time from one back (the first with an explicit offset, then as "the last offset"), the bits in
    /// little-endian words of `wordSize` bytes. LZMA: UPX's two property bytes, then liblzma's data.
    public static func stream(_ bytes: [UInt8], method: Method = .nrv2b, wordSize: Int = 4) -> [UInt8] {
        if method == .lzma { return lzma(bytes) }
        var out: [UInt8] = []
        var word = -1
        let bits = 8 * wordSize
        var used = bits
        func bit(_ value: Int) {
            if used == bits {
                word = out.count
                out += [UInt8](repeating: 0, count: wordSize)
                used = 0
            }
            if value != 0 { out[word + (bits - 1 - used) / 8] |= 1 << ((bits - 1 - used) % 8) }
            used += 1
        }
        // NRV2B: the bits after the leading one, each followed by 0 (more) or 1 (last).
        func gammaB(_ value: Int) {
            let width = Int.bitWidth - value.leadingZeroBitCount
            for k in (0..<(width - 1)).reversed() {
                bit(value >> k & 1)
                bit(k == 0 ? 1 : 0)
            }
        }
        // NRV2D/E: each step doubles and adds a bit; a step that goes on subtracts one and adds another.
        func reach(_ value: Int) {
            guard value > 1 else { return }
            let rest = ((value + 2) & 3) - 2
            reach((value - rest) / 4)
            bit((rest + 2) >> 1)
            bit(0)
            bit((rest + 2) & 1)
        }
        func offset(_ value: Int) {
            if method == .nrv2b { return gammaB(value) }
            reach(value >> 1)
            bit(value & 1)
            bit(1)
        }
        var i = 0
        var explicit = false
        while i < bytes.count {
            var run = 0
            while i > 0, i + run < bytes.count, run < 4, bytes[i + run] == bytes[i - 1] { run += 1 }
            guard run == 4 else {
                bit(1)
                out.append(bytes[i])
                i += 1
                continue
            }
            bit(0)
            // Distance 1, 4 bytes. NRV2D/E send the length's first bit as the offset value's low bit
            // (inverted), or as a bit of its own after "the last offset".
            if explicit { offset(2) } else { offset(3) }
            switch method {
            case .nrv2b:
                if !explicit { out.append(0) }
                bit(1)
                bit(1)
            case .nrv2d:
                if explicit { bit(1) } else { out.append(0) }
                bit(1)
            case .nrv2e:
                if explicit { bit(0) } else { out.append(1) }
                bit(1)
                bit(0)
            case .lzma:
                preconditionFailure("LZMA streams are made by liblzma")
            }
            explicit = true
            i += 4
        }
        bit(0)
        offset(0x100_0002)
        out.append(0xFF)
        return out
    }

    /// A 32-bit PE file packed as UPX lays it out: UPX0 empty on disk and `imageSize` bytes in memory, UPX1
    /// holding the NRV2B stream of `image` and, at the entry point, the stub's `pusha; mov esi, UPX1`.
    /// With `imports`, the stub also holds the `lea edi, [esi + imports]` where clamscan looks for it for the
    /// method, so the original header after the imports can be found.
    public static func pack(_ image: [UInt8], method: Method = .nrv2b, imageSize: Int = 0x10000, imports: Int? = nil)
        -> [UInt8]
    {
        let imageBase = 0x40_0000
        let upx1 = 0x1000 + imageSize
        let stream = stream(image, method: method)
        var stub =
            [0x60, 0xBE] + le32(imageBase + upx1) + [0x8D, 0xBE] + le32(-imageSize) + [
                0x57, 0x90,
            ]
        if let imports {
            let place = [Method.nrv2b: 0x108, .nrv2d: 0x11C, .nrv2e: 0x128, .lzma: 0xB16][method]!
            stub += Array(repeating: 0x90, count: place - 2 - stub.count) + [0x8D, 0xBE] + le32(imports)
        }
        var section1 = stream + stub
        section1 += Array(repeating: 0, count: (0x200 - section1.count % 0x200) % 0x200)
        var header = Array("MZ".utf8) + Array(repeating: 0, count: 58) + le32(0x40)
        header +=
            Array("PE".utf8) + [0, 0] + le16(0x14C) + le16(2) + Array(repeating: 0, count: 12)
            + le16(0xE0)
        header +=
            le16(0x102) + le16(0x10B) + Array(repeating: 0, count: 14)
            + le32(upx1 + stream.count)
        header +=
            le32(0) + le32(0) + le32(imageBase) + le32(0x1000)
            + le32(0x200) + Array(repeating: 0, count: 16)
        header +=
            le32(upx1 + 0x1000) + le32(0x200) + le32(0) + le16(2)
            + le16(0) + Array(repeating: 0, count: 16)
        header += le32(0) + le32(16) + Array(repeating: 0, count: 128)
        header +=
            Array("UPX0".utf8) + [0, 0, 0, 0] + le32(imageSize) + le32(0x1000)
            + le32(0) + le32(0x200)
        header += Array(repeating: 0, count: 12) + le32(0xE000_0080)
        header +=
            Array("UPX1".utf8) + [0, 0, 0, 0] + le32(0x1000) + le32(upx1)
            + le32(section1.count) + le32(0x200)
        header += Array(repeating: 0, count: 12) + le32(0xE000_0040)
        header += Array(repeating: 0, count: 0x200 - header.count)
        return header + section1
    }

    /// An image as UPX leaves it in memory: `code` (one section at RVA 0x1000), an empty import list, then
    /// the original PE header and section table; and where the imports start.
    public static func image(code: [UInt8]) -> (image: [UInt8], imports: Int) {
        var header =
            Array("PE".utf8) + [0, 0] + le16(0x14C) + le16(1) + Array(repeating: 0, count: 12)
            + le16(0xE0)
        header +=
            le16(0x102) + le16(0x10B) + Array(repeating: 0, count: 26)
            + le32(0x40_0000) + le32(0x1000)
        header += le32(0x200)
        header += Array(repeating: 0, count: 0xF8 - header.count)
        header +=
            Array("CODE".utf8) + [0, 0, 0, 0] + le32(code.count) + le32(0x1000)
            + le32(0) + le32(0)
        header += Array(repeating: 0, count: 12) + le32(0x6000_0020)
        // The section's memory, to its aligned size, comes before the imports.
        let memory = code + Array(repeating: 0, count: (0x1000 - code.count % 0x1000) % 0x1000)
        return (memory + [0, 0, 0, 0] + header, memory.count)
    }

    /// `bytes` compressed by liblzma (through libarchive's `.lzma` writer, whose 13-byte header gives the
    /// properties), with UPX's two property bytes in front: `(lc + lp) << 3 | pb`, then `lp << 4 | lc`.
    static func lzma(_ bytes: [UInt8]) -> [UInt8] {
        let file = ArchiveWriter.build([(name: "data", bytes: bytes)], format: .raw, filter: .lzma)
        let properties = Int(file[0])
        let (lc, lp, pb) = (properties % 9, properties / 9 % 5, properties / 45)
        return [UInt8((lc + lp) << 3 | pb), UInt8(lp << 4 | lc)] + file[13...]
    }

    /// A UPX-packed little-endian ELF file (64 or 32-bit) of `original`: the ELF header and one program
    /// header, `l_info` ("UPX!"), `p_info`, then `original` in blocks of at most `blockSize` bytes, each a
    /// `b_info` and its data compressed by `method` (UPX's method number: 2–10 NRV, 14 LZMA; stored when
    /// compression does not help), and a closing `b_info` of no size.
    public static func elf(_ original: [UInt8], method: UInt8, is64: Bool = true, blockSize: Int = 0x1000)
        -> [UInt8]
    {
        var file = Array("\u{7F}ELF".utf8) + [is64 ? 2 : 1, 1, 1] + [UInt8](repeating: 0, count: 9)
        file += le16(2) + le16(is64 ? 0x3E : 3) + le32(1)
        let headerSize = is64 ? 64 : 52
        let programHeaderSize = is64 ? 56 : 32
        if is64 {
            file += le64(0x40_1000) + le64(UInt64(headerSize)) + le64(0) + le32(0)
        } else {
            file += le32(0x40_1000) + le32(headerSize) + le32(0) + le32(0)
        }
        file += le16(headerSize) + le16(programHeaderSize) + le16(1) + le16(0) + le16(0) + le16(0)
        file += [UInt8](repeating: 0, count: programHeaderSize)
        file += le32(0) + Array("UPX!".utf8) + le16(0) + [13, is64 ? 22 : 12]
        file += le32(0) + le32(original.count) + le32(blockSize)
        for start in stride(from: 0, to: original.count, by: blockSize) {
            let block = Array(original[start..<min(original.count, start + blockSize)])
            let packed: [UInt8]
            switch method {
            case 2...10:
                let methods: [Method] = [.nrv2b, .nrv2d, .nrv2e]
                packed = stream(block, method: methods[Int(method - 2) / 3], wordSize: [4, 1, 2][Int(method - 2) % 3])
            case 14: packed = lzma(block)
            default: packed = block
            }
            let kept = packed.count < block.count ? packed : block
            file += le32(block.count) + le32(kept.count) + [kept == block ? 0 : method, 0, 0, 0] + kept
        }
        return file + le32(0) + Array("UPX!".utf8) + [0, 0, 0, 0]
    }
}
