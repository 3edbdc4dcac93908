/// UPX-packed executables, so tests build them: UCL's NRV2B stream (literals, distance-1 runs, the end
/// marker) and a 32-bit PE file whose UPX1 section holds the stream and the stub's `mov esi` to it.
public enum UPXEncoder {
    /// The NRV2B stream of `bytes`: a literal per byte, except runs of a repeated byte copied from one back.
    public static func nrv2b(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var word = -1
        var used = 32
        func bit(_ value: Int) {
            if used == 32 {
                word = out.count
                out += [0, 0, 0, 0]
                used = 0
            }
            if value != 0 { out[word + (31 - used) / 8] |= 1 << ((31 - used) % 8) }
            used += 1
        }
        // Numbers of 2 and up: their bits after the leading one, each followed by 0 (more) or 1 (last).
        func gamma(_ value: Int) {
            let width = Int.bitWidth - value.leadingZeroBitCount
            for k in (0..<(width - 1)).reversed() {
                bit(value >> k & 1)
                bit(k == 0 ? 1 : 0)
            }
        }
        var i = 0
        var previousOffset = 0
        while i < bytes.count {
            var run = 0
            while i > 0, i + run < bytes.count, run < 4, bytes[i + run] == bytes[i - 1] { run += 1 }
            if run == 4 {
                // A match of 4 from 1 back: offset code 3 and byte 0 the first time, then "last offset" (2).
                bit(0)
                if previousOffset == 1 {
                    gamma(2)
                } else {
                    gamma(3)
                    out.append(0)
                    previousOffset = 1
                }
                bit(1)
                bit(1)  // length code 3: 4 bytes
                i += 4
            } else {
                bit(1)
                out.append(bytes[i])
                i += 1
            }
        }
        bit(0)
        gamma(0x100_0002)
        out.append(0xFF)
        return out
    }

    /// A 32-bit PE file packed as UPX lays it out: UPX0 empty on disk and `imageSize` bytes in memory, UPX1
    /// holding the NRV2B stream of `image` and, at the entry point, the stub's `pusha; mov esi, UPX1`.
    /// With `imports`, the stub also holds NRV2B's `lea edi, [esi + imports]` where clamscan looks for it
    /// (0x108 bytes after the entry point), so the original header after the imports can be found.
    public static func pack(_ image: [UInt8], imageSize: Int = 0x10000, imports: Int? = nil) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        let imageBase = 0x40_0000
        let upx1 = 0x1000 + imageSize
        let stream = nrv2b(image)
        var stub = [0x60, 0xBE] + le32(imageBase + upx1) + [0x8D, 0xBE] + le32(-imageSize) + [0x57, 0x90]
        if let imports { stub += Array(repeating: 0x90, count: 0x106 - stub.count) + [0x8D, 0xBE] + le32(imports) }
        var section1 = stream + stub
        section1 += Array(repeating: 0, count: (0x200 - section1.count % 0x200) % 0x200)
        var header = Array("MZ".utf8) + Array(repeating: 0, count: 58) + le32(0x40)
        header += Array("PE".utf8) + [0, 0] + le16(0x14C) + le16(2) + Array(repeating: 0, count: 12) + le16(0xE0)
        header += le16(0x102) + le16(0x10B) + Array(repeating: 0, count: 14) + le32(upx1 + stream.count)
        header += le32(0) + le32(0) + le32(imageBase) + le32(0x1000) + le32(0x200) + Array(repeating: 0, count: 16)
        header += le32(upx1 + 0x1000) + le32(0x200) + le32(0) + le16(2) + le16(0) + Array(repeating: 0, count: 16)
        header += le32(0) + le32(16) + Array(repeating: 0, count: 128)
        header += Array("UPX0".utf8) + [0, 0, 0, 0] + le32(imageSize) + le32(0x1000) + le32(0) + le32(0x200)
        header += Array(repeating: 0, count: 12) + le32(0xE000_0080)
        header += Array("UPX1".utf8) + [0, 0, 0, 0] + le32(0x1000) + le32(upx1) + le32(section1.count) + le32(0x200)
        header += Array(repeating: 0, count: 12) + le32(0xE000_0040)
        header += Array(repeating: 0, count: 0x200 - header.count)
        return header + section1
    }

    /// An image as UPX leaves it in memory: `code` (one section at RVA 0x1000), an empty import list, then
    /// the original PE header and section table; and where the imports start.
    public static func image(code: [UInt8]) -> (image: [UInt8], imports: Int) {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        var header = Array("PE".utf8) + [0, 0] + le16(0x14C) + le16(1) + Array(repeating: 0, count: 12) + le16(0xE0)
        header += le16(0x102) + le16(0x10B) + Array(repeating: 0, count: 26) + le32(0x40_0000) + le32(0x1000)
        header += le32(0x200)
        header += Array(repeating: 0, count: 0xF8 - header.count)
        header += Array("CODE".utf8) + [0, 0, 0, 0] + le32(code.count) + le32(0x1000) + le32(0) + le32(0)
        header += Array(repeating: 0, count: 12) + le32(0x6000_0020)
        // The section's memory, to its aligned size, comes before the imports.
        let memory = code + Array(repeating: 0, count: (0x1000 - code.count % 0x1000) % 0x1000)
        return (memory + [0, 0, 0, 0] + header, memory.count)
    }
}
