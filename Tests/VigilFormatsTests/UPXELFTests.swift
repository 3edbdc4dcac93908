import Testing
import VigilFormats
import VigilTestSupport

/// UPX-packed ELF files, as UPX lays them out (`l_info`, `p_info`, blocks), packed by the tests with each of
/// UPX's methods.
@Suite struct UPXELFTests {
    static let original =
        Array("\u{7F}ELF original header and code ".utf8)
        + Array(repeating: Array("strings of the packed program, ".utf8), count: 200).flatMap { $0 }
        + [UInt8](repeating: 0, count: 3000) + TestContent.noise(5000, seed: 31)

    static func unpacked(_ file: [UInt8], maximumSize: Int = 1 << 20) -> [UInt8]? {
        file.withUnsafeBytes { UPX.unpackELF($0, maximumSize: maximumSize) }
    }

    /// NRV2B, NRV2D and NRV2E with 32-bit, byte-wide and 16-bit bit buffers (methods 2–10), LZMA (14).
    @Test(arguments: [UInt8(2), 3, 4, 5, 6, 7, 8, 9, 10, 14])
    func everyMethod(method: UInt8) {
        for is64 in [true, false] {
            let file = UPXEncoder.elf(Self.original, method: method, is64: is64)
            #expect(Self.unpacked(file) == Self.original, "method \(method), 64-bit \(is64)")
            #expect(Self.unpacked(file, maximumSize: 5000).map { Self.original.starts(with: $0) } == true)
        }
    }

    @Test func membersAndNotPacked() {
        let file = UPXEncoder.elf(Self.original, method: 8)
        let found = members(of: file) { ExecutableMembers.forEachMember(in: $0, maximumSize: 1 << 20, $1) }
        #expect(found.map(\.name) == ["UPX unpacked"] && found.first?.data == Self.original)
        // An ELF file without UPX's `l_info` after its program headers yields nothing.
        var plain = file
        plain[64 + 56 + 4] = UInt8(ascii: "X")
        #expect(Self.unpacked(plain) == nil)
        #expect(members(of: plain) { ExecutableMembers.forEachMember(in: $0, maximumSize: 1 << 20, $1) }.isEmpty)
    }

    /// Cut, damaged and lying files end with the blocks that unpack.
    @Test func hostileFiles() {
        let file = UPXEncoder.elf(Self.original, method: 14)
        for cut in stride(from: 0, to: file.count, by: 41) { _ = Self.unpacked(Array(file.prefix(cut))) }
        var noisy = file
        for k in stride(from: 160, to: noisy.count, by: 13) { noisy[k] ^= 0x3C }
        _ = Self.unpacked(noisy)
        // A block claiming more than the block size, or packed larger than unpacked, ends the unpacking.
        var lying = UPXEncoder.elf(Self.original, method: 8)
        let firstBlock = 64 + 56 + 24
        lying.replaceSubrange(firstBlock..<(firstBlock + 4), with: le32(UInt32.max))
        #expect(Self.unpacked(lying) == nil)
        var inverted = UPXEncoder.elf(Self.original, method: 8)
        inverted.replaceSubrange(firstBlock..<(firstBlock + 4), with: le32(1))
        #expect(Self.unpacked(inverted) == nil)
    }
}
