import Foundation
import Testing
import VigilTestSupport

@testable import VigilFormats

/// CHM files built by ``CHMBuilder`` (section 1 compressed by the test LZX encoder), and ClamAV's `clam.chm`.
@Suite struct CHMTests {
    static let text = Array(String(repeating: "<p>Compiled HTML Help, compressed with LZX.</p>\n", count: 2500).utf8)
    static let noise = TestContent.noise(70_000, seed: 7)
    static let mixed = (0..<90_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 13 + ($0 >> 9)) } + noise.prefix(5000)
    static let files = [
        CHMBuilder.File("/index.html", text),
        CHMBuilder.File("/#SYSTEM", Array("stored in section 0".utf8), compressed: false),
        CHMBuilder.File("/noise.bin", noise),
        CHMBuilder.File("/empty.txt", [], compressed: true),
        CHMBuilder.File("/images/mixed.bin", mixed),
        CHMBuilder.File("/raw.bin", Array(noise.prefix(3000)), compressed: false),
    ]

    static func members(_ bytes: [UInt8], maximumSize: Int = 1 << 22, budget: Int? = nil) -> [ArchiveMember] {
        VigilFormatsTests.members(of: bytes) {
            CHM.forEachFile(
                in: $0, maximumSize: maximumSize, decodingBudget: budget ?? CHM.decodingBudget(maximumSize), $1)
        }
    }

    @Test func sectionsComeOutByteExact() {
        let image = CHMBuilder().build(Self.files)
        let members = Self.members(image.bytes)
        #expect(members.map(\.name) == Self.files.map(\.name))
        #expect(members.map(\.data) == Self.files.map(\.content))
        #expect(members.map(\.index) == Array(0..<Self.files.count))
        #expect(members.map(\.size) == Self.files.map(\.content.count))
        #expect(members.allSatisfy { !$0.truncated && !$0.isEncrypted })
    }

    /// Every block kind, blocks spanning frames (odd sizes for the uncompressed block's padding byte), windows
    /// and reset intervals of several sizes.
    @Test(arguments: [
        LZXEncoder(windowBits: 15, resetInterval: 1, blockSize: 10_001, blocks: [.verbatim]),
        LZXEncoder(windowBits: 16, resetInterval: 2, blockSize: 40_000, blocks: [.aligned]),
        LZXEncoder(windowBits: 17, resetInterval: 3, blockSize: 9_999, blocks: [.uncompressed]),
        LZXEncoder(windowBits: 21, resetInterval: 2, blockSize: 12_345, blocks: [.verbatim, .uncompressed, .aligned]),
        LZXEncoder(windowBits: 16, resetInterval: 4, blockSize: 1 << 20, blocks: [.aligned, .verbatim]),
    ])
    func everyBlockKindAndReset(encoder: LZXEncoder) {
        let image = CHMBuilder(encoder: encoder).build(Self.files)
        #expect(Self.members(image.bytes).map(\.data) == Self.files.map(\.content))
    }

    /// A listing not in stream order makes the reader go back to the reset point before a file.
    @Test func filesOutOfStreamOrderRestartAtResetPoints() {
        let parts = (0..<6).map { TestContent.noise(20_000, seed: UInt64($0)) + Array(Self.text.prefix(30_000)) }
        let files = parts.enumerated().map { CHMBuilder.File("/part\($0.offset).bin", $0.element) }
        // The same files listed first backwards, then in stream order.
        let backwards = (0..<6).reversed().map {
            CHMBuilder.Entry("/back\($0).bin", section: 1, offset: $0 * 50_000, length: 50_000)
        }
        let image = CHMBuilder(encoder: LZXEncoder(resetInterval: 1), extraEntries: backwards).build(files)
        #expect(Self.members(image.bytes).map(\.data) == parts.reversed() + parts)
    }

    @Test func versionTwoHeaderAndManyListingChunks() {
        let files = (0..<300).map { CHMBuilder.File("/pages/page-\($0).html", Array("page \($0)\n".utf8)) }
        let image = CHMBuilder(chunkSize: 512, version: 2).build(files)
        #expect(image.chunkCount > 5)
        let members = Self.members(image.bytes)
        #expect(members.map(\.name) == files.map(\.name))
        #expect(members.map(\.data) == files.map(\.content))
    }

    /// As libmspack: `/` and directories (offset and length 0, a trailing `/`), system files, and sections past
    /// 1 are not members; an empty file is.
    @Test func skippedEntries() {
        let extra = [
            CHMBuilder.Entry("/dir/", section: 0, offset: 0, length: 0),
            CHMBuilder.Entry("::DataSpace/NameList", section: 0, offset: 0, length: 10),
            CHMBuilder.Entry("/section2.bin", section: 2, offset: 0, length: 10),
            CHMBuilder.Entry("/emptyfile", section: 0, offset: 0, length: 0),
            CHMBuilder.Entry("/", section: 1, offset: 0, length: 5),
        ]
        let image = CHMBuilder(extraEntries: extra).build([CHMBuilder.File("/a.txt", Array("abc".utf8))])
        let members = Self.members(image.bytes)
        #expect(members.map(\.name) == ["/emptyfile", "/a.txt"])
        #expect(members.map(\.data) == [[], Array("abc".utf8)])
    }

    @Test func maximumSizeTruncates() {
        let image = CHMBuilder().build(Self.files)
        let members = Self.members(image.bytes, maximumSize: 1000)
        #expect(members.map(\.data) == Self.files.map { Array($0.content.prefix(1000)) })
        #expect(members.map(\.truncated) == Self.files.map { $0.content.count > 1000 })
        #expect(members.map(\.size) == Self.files.map(\.content.count))
    }

    /// E8 translation round trip through the LZX API and through a CHM file of one reset interval.
    @Test func e8CallTranslation() throws {
        var code: [UInt8] = []
        for index in 0..<12_000 {
            code += [0x55, 0xE8] + le32(Int32(truncatingIfNeeded: (index * 977) % 40_000 - 20_000)) + [0x90, 0x5D]
        }
        let encoder = LZXEncoder(windowBits: 17, resetInterval: 4, blockSize: 30_000, blocks: [.verbatim, .aligned])
        let translating = LZXEncoder(
            windowBits: 17, resetInterval: 4, blockSize: 30_000, blocks: [.verbatim, .uncompressed],
            e8FileSize: 12_000_000)
        for lzx in [encoder, translating] {
            let (stream, _) = lzx.compress(code)
            let output = try stream.withUnsafeBytes {
                try LZX.decompress(
                    $0, windowBits: lzx.windowBits, resetInterval: lzx.resetInterval, outputSize: code.count,
                    maximumSize: 1 << 24)
            }
            #expect(output == code)
        }
        #expect(translating.translateCalls(code) != code)
        let image = CHMBuilder(encoder: translating).build([CHMBuilder.File("/code.bin", code)])
        #expect(Self.members(image.bytes).map(\.data) == [code])
    }

    @Test func lzxLimitsAndDamage() {
        let data = Self.mixed
        let lzx = LZXEncoder(windowBits: 16, resetInterval: 0, blockSize: 50_000, blocks: [.verbatim])
        let (stream, _) = lzx.compress(data)
        stream.withUnsafeBytes { input in
            var output: [UInt8] = []
            #expect(throws: DecompressionError.self) {
                try LZX.decompress(
                    input, windowBits: 16, resetInterval: 0, outputSize: data.count, maximumSize: 40_000, into: &output)
            }
            #expect(output == Array(data.prefix(40_000)))
            #expect(throws: DecompressionError.self) {
                try LZX.decompress(input, windowBits: 22, resetInterval: 0, outputSize: 10, maximumSize: 10)
            }
            // Cut: the whole frames before the cut survive.
            let cut = UnsafeRawBufferPointer(rebasing: input[..<(input.count / 2)])
            output = []
            #expect(throws: DecompressionError.self) {
                try LZX.decompress(
                    cut, windowBits: 16, resetInterval: 0, outputSize: data.count, maximumSize: 1 << 20, into: &output)
            }
            #expect(output.count % 32768 == 0 && output == Array(data.prefix(output.count)))
        }
        for seed in 0..<200 {
            var noisy = stream
            for index in stride(from: seed % 7, to: noisy.count, by: 97 + seed) { noisy[index] ^= UInt8(seed | 1) }
            _ = try? noisy.withUnsafeBytes {
                try LZX.decompress($0, windowBits: 16, resetInterval: 1, outputSize: data.count, maximumSize: 1 << 20)
            }
        }
    }

    /// Trees are accepted as libmspack's `make_decode_table` accepts them: a full code; short codes that fill
    /// the table leave longer ones unused; only the length tree may be empty.
    @Test func prefixCodeRules() {
        func accepts(_ lengths: [UInt8], allowEmpty: Bool = false) -> Bool {
            var code = LZXCode(tableBits: 6)
            return code.build(lengths[...], allowEmpty: allowEmpty)
        }
        #expect(accepts([1, 1]))
        #expect(!accepts([1, 0]))
        #expect(!accepts([1, 1, 2]))
        #expect(accepts([1, 1, 9]))  // the table is full before the 9-bit code
        #expect(!accepts([1, 2, 8]))
        #expect(accepts([1, 1, 200]))  // a wrapped length is ignored
        #expect(!accepts([0, 0, 0]))
        #expect(accepts([0, 0, 0], allowEmpty: true))
        #expect(!accepts([0, 200], allowEmpty: true))
        var code = LZXCode(tableBits: 6)
        let lengths: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 16]
        let built = code.build(lengths[...])
        #expect(built)
        let (zero, ones) = (code.decode(0x0000), code.decode(0xFFFF))
        #expect(zero?.symbol == 0 && zero?.length == 1 && ones?.symbol == 16 && ones?.length == 16)
    }

    @Test func truncationAtEveryCutPoint() {
        let files = [
            CHMBuilder.File("/a.html", Array(Self.text.prefix(3000))),
            CHMBuilder.File("/b.txt", Array("section zero".utf8), compressed: false),
        ]
        let image = CHMBuilder(chunkSize: 256).build(files)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for cut in 0..<image.bytes.count {
                let members = Self.members(Array(image.bytes.prefix(cut)))
                for member in members { #expect(files.contains { $0.content.starts(with: member.data) }) }
            }
        }
        #expect(elapsed < .seconds(60))
        #expect(Self.members(image.bytes).map(\.data) == files.map(\.content))
    }

    /// Sizes that lie, a cyclic chunk chain, absurd windows and reset intervals: each ends quickly with what was
    /// readable.
    @Test func hostileHeaders() {
        let image = CHMBuilder().build(Self.files)
        func patched(_ offset: Int, _ bytes: [UInt8]) -> [UInt8] {
            var copy = image.bytes
            copy.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
            return copy
        }
        let cases: [[UInt8]] = [
            patched(image.controlOffset + 16, le32(1 << 7)),  // window 2^22
            patched(image.controlOffset + 16, le32(0)),
            patched(image.controlOffset + 12, le32(0)),  // reset interval 0
            patched(image.controlOffset + 12, le32(0x8000_0000)),
            patched(image.controlOffset + 8, le32(7)),  // control version
            patched(image.resetTableOffset + 0x10, le64(Int64.max - 5)),  // uncompressed length
            patched(image.resetTableOffset + 0x28, le64(-1)),  // frame 0's offset
            patched(image.resetTableOffset + 4, le32(0)),  // no entries: SpanInfo
            patched(0x58, le64(Int64.max)),  // section 0 offset
            patched(0x60 + 8, le64(100)),  // file length
            patched(0x48, le64(image.bytes.count - 10)),  // directory offset
            patched(image.directoryOffset + 0x2C, le32(100_000)),  // chunk count
            patched(image.directoryOffset + 0x24, le32(0xFFFF_FFFF)),  // last listing chunk
            patched(image.directoryOffset + 0x10, le32(0x16)),  // chunk size
            patched(image.directoryOffset + 0x54 + 12, le32(0) + le32(0)),  // chunk chain points at itself
            patched(image.directoryOffset + 0x54 + image.chunkSize - 2, le16(0xFFFF)),  // entry count
        ]
        let clock = ContinuousClock()
        for bytes in cases {
            let elapsed = clock.measure { _ = Self.members(bytes) }
            #expect(elapsed < .seconds(10))
        }
        // Section 0 still comes out when section 1 cannot be decoded.
        let noWindow = Self.members(cases[0])
        #expect(noWindow.first { $0.name == "/#SYSTEM" }?.data == Self.files[1].content)
        #expect(noWindow.first { $0.name == "/index.html" }?.data == [])
    }

    /// Entries that ask for more than the stream holds, far past it, or over and over end within the budget.
    @Test func lyingEntriesAndDecodingBudget() {
        let extra = [
            CHMBuilder.Entry("/huge", section: 1, offset: 10, length: Int(Int32.max)),
            CHMBuilder.Entry("/far", section: 1, offset: 1 << 40, length: 100),
            CHMBuilder.Entry("/section0-far", section: 0, offset: 1 << 40, length: 100),
            CHMBuilder.Entry("/section0-long", section: 0, offset: 0, length: 1 << 40),
        ]
        let back = (0..<3000).map { CHMBuilder.Entry("/back\($0)", section: 1, offset: 200_000 - $0 * 60, length: 70) }
        let image = CHMBuilder(extraEntries: extra + back).build(Self.files)
        let clock = ContinuousClock()
        var members: [ArchiveMember] = []
        let elapsed = clock.measure { members = Self.members(image.bytes, maximumSize: 1 << 16, budget: 32 << 20) }
        #expect(elapsed < .seconds(30))
        #expect(members.count == 4 + 3000 + Self.files.count)
        #expect(members.allSatisfy { $0.data.count <= 1 << 16 })
        #expect(members[0].truncated && members[0].data == Array(Self.text[10..<(10 + (1 << 16))]))
        #expect(members[1].data.isEmpty && members[2].data.isEmpty)
    }

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: "/usr/share/clamav-testfiles/clam.chm"),
            "needs clamav-testfiles (scripts/ensure-deps testfiles)"))
    func clamavTestFile() throws {
        let chm = Array(try Data(contentsOf: URL(fileURLWithPath: "/usr/share/clamav-testfiles/clam.chm")))
        let exe = Array(try Data(contentsOf: URL(fileURLWithPath: "/usr/share/clamav-testfiles/clam.exe")))
        let members = Self.members(chm)
        // The files and the order of clamscan 1.4's `--debug` (CDBNAME lines).
        #expect(
            members.map(\.name) == [
                "/#IDXHDR", "/#ITBITS", "/#STRINGS", "/#SYSTEM", "/#TOPICS", "/#URLSTR", "/#URLTBL", "/#WINDOWS",
                "/$FIftiMain", "/$OBJINST", "/$WWAssociativeLinks/Property", "/$WWKeywordLinks/Property",
                "/clam.chm.hhc", "/clam.chm.hhk", "/clam.exe.txt",
            ])
        #expect(members.map(\.data.count) == [4096, 0, 41, 4254, 48, 64, 36, 204, 0, 2751, 4, 4, 444, 207, 544])
        #expect(members.last?.data == exe)
    }
}
