import Foundation
import Testing
import VigilFormats
import VigilTestSupport

/// Implode (zip method 6) and Deflate64 (zip method 9), on ClamAV's test files and on streams the tests encode.
@Suite struct ZipMethodTests {
    typealias Token = ZipMethodEncoders.Token
    static let clamFiles = "/usr/share/clamav-testfiles"
    static let text = Array("Implode and Deflate64, the zip methods libarchive cannot read.\n".utf8)

    /// Text, noise, runs, and repeats 5000 bytes back (past the 4 KiB implode window, inside the 8 KiB one).
    static let content: [UInt8] = {
        let noise = TestContent.noise(5000, seed: 6)
        return text + noise + Array(repeating: 0x90, count: 1000) + text + noise.prefix(700) + [1, 2, 1, 2, 1]
    }()

    /// Repeats 36000 and 52000 bytes back (distance codes 30 and 31), and runs longer than 258 (length code 285).
    static let longContent: [UInt8] = {
        let a = TestContent.noise(36000, seed: 1)
        let b = TestContent.noise(16000, seed: 2)
        return a + a + b + a.prefix(9000) + Array(repeating: 0, count: 150_000) + text
    }()

    /// Decodes `tokens` the simple way.
    static func expand(_ tokens: [Token]) -> [UInt8] {
        var output: [UInt8] = []
        for token in tokens {
            switch token {
            case .literal(let byte): output.append(byte)
            case .match(let length, let distance):
                for _ in 0..<length { output.append(output.count >= distance ? output[output.count - distance] : 0) }
            }
        }
        return output
    }

    static func deflate64(_ stream: [UInt8], maximumSize: Int = 1 << 24) throws(DecompressionError) -> [UInt8] {
        try stream.withUnsafeBytes { input in
            Result { () throws(DecompressionError) in try Deflate64.decompress(input, maximumSize: maximumSize) }
        }.get()
    }

    static func explode(_ stream: [UInt8], flags: UInt16, size: Int, maximumSize: Int = 1 << 24)
        throws(DecompressionError) -> [UInt8]
    {
        try stream.withUnsafeBytes { input in
            Result { () throws(DecompressionError) in
                try Implode.decompress(input, flags: flags, size: size, maximumSize: maximumSize)
            }
        }.get()
    }

    /// The first member of a zip file, read from its local header.
    static func firstMember(_ path: String) throws -> (method: Int, flags: UInt16, size: Int, data: [UInt8]) {
        let zip = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        func le(_ offset: Int, _ count: Int) -> Int {
            (0..<count).reduce(0) { $0 | Int(zip[offset + $1]) << (8 * $1) }
        }
        try #require(zip.count >= 30 && le(0, 4) == 0x0403_4B50)
        let start = 30 + le(26, 2) + le(28, 2)
        try #require(start + le(18, 4) <= zip.count)
        return (le(8, 2), UInt16(le(6, 2)), le(22, 4), Array(zip[start..<(start + le(18, 4))]))
    }

    // Skipped, not failed, without Debian's clamav-testfiles (scripts/ensure-deps installs them).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: clamFiles + "/clam.exe")))
    func clamavTestFiles() throws {
        let clam = [UInt8](try #require(FileManager.default.contents(atPath: Self.clamFiles + "/clam.exe")))
        #expect(clam.count == 544)
        let imploded = try Self.firstMember(Self.clamFiles + "/clam.impl.zip")
        #expect(imploded.method == 6 && imploded.size == clam.count)
        #expect(try Self.explode(imploded.data, flags: imploded.flags, size: imploded.size) == clam)
        let enhanced = try Self.firstMember(Self.clamFiles + "/clam.d64.zip")
        #expect(enhanced.method == 9 && enhanced.size == clam.count)
        #expect(try Self.deflate64(enhanced.data) == clam)
        #expect(throws: DecompressionError.self) { try Self.deflate64(enhanced.data, maximumSize: clam.count - 1) }
    }

    // MARK: - Deflate64

    @Test(arguments: [
        [ZipMethodEncoders.BlockType.stored], [.fixed], [.dynamic], [.stored, .fixed, .dynamic],
    ])
    func deflate64RoundTrips(_ types: [ZipMethodEncoders.BlockType]) throws {
        for content in [[], Self.content, Self.longContent] {
            let stream = ZipMethodEncoders.deflate64(content, types: types, blockSize: 1 << 15)
            // The long distances and lengths are used, not just literals.
            if content.count > 100_000, !types.contains(.stored) { #expect(stream.count < content.count / 3) }
            #expect(try Self.deflate64(stream) == content)
            // Bytes after the final block are not read.
            #expect(try Self.deflate64(stream + [0xFF, 0xFF]) == content)
        }
    }

    @Test(arguments: [ZipMethodEncoders.BlockType.fixed, .dynamic])
    func deflate64DistancesAndLengthsDeflateLacks(_ type: ZipMethodEncoders.BlockType) throws {
        var tokens = TestContent.noise(70000, seed: 3).map(Token.literal)
        for (length, distance) in [(3, 32769), (258, 49152), (259, 49153), (65538, 65536), (3, 65536), (65538, 1)] {
            tokens.append(.match(length: length, distance: distance))
        }
        #expect(try Self.deflate64(ZipMethodEncoders.deflate64(tokens: tokens, type: type)) == Self.expand(tokens))
    }

    @Test func deflateStreamsWithoutLength258AreDeflate64() throws {
        // zlib's dynamic blocks (with code-length codes 17 and 18); random words never repeat 258 bytes.
        let words = ["clam", "scan", "virus", "zip", "implode", "signature", "heuristic", "archive"]
        let content = Array(TestContent.noise(4000, seed: 5).map { words[Int($0) % 8] }.joined(separator: " ").utf8)
        let stream = TestArchive.deflate(content, .raw)
        #expect(try Self.deflate64(stream) == content)
    }

    @Test func deflate64LimitIsExactAndBombsAreRefused() throws {
        let stream = ZipMethodEncoders.deflate64(Self.content, types: [.fixed])
        #expect(try Self.deflate64(stream, maximumSize: Self.content.count) == Self.content)
        #expect(
            throws: DecompressionError(
                .outputLimitExceeded, "the decompressed data is larger than the limit of 99 bytes")
        ) {
            try Self.deflate64(stream, maximumSize: 99)
        }
        // 64 MiB of zeros in under 5 KiB.
        let bomb = ZipMethodEncoders.deflate64(
            tokens: [.literal(0)] + Array(repeating: .match(length: 65538, distance: 1), count: 1024))
        #expect(bomb.count < 5000)
        do {
            _ = try Self.deflate64(bomb, maximumSize: 1 << 20)
            Issue.record("a 64 MiB bomb passed a 1 MiB limit")
        } catch {
            #expect(error.code == .outputLimitExceeded)
        }
    }

    @Test func deflate64DamageIsAnError() {
        #expect(throws: DecompressionError(.corrupt, "reserved block type 3 at output byte 0 (input byte 1)")) {
            try Self.deflate64([0x07])
        }
        #expect(throws: DecompressionError(.corrupt, "invalid distance 40000 at output byte 1 (input byte 5)")) {
            try Self.deflate64(ZipMethodEncoders.deflate64(tokens: [.literal(1), .match(length: 3, distance: 40000)]))
        }
        // A stored block whose length's complement is wrong, and one longer than the input.
        #expect(throws: DecompressionError.self) { try Self.deflate64([0x01, 0x05, 0x00, 0xFA, 0xFE, 1, 2, 3, 4, 5]) }
        #expect(throws: DecompressionError(.truncated, "the compressed stream ends early (after 9 bytes)")) {
            try Self.deflate64([0x01, 0x05, 0x00, 0xFA, 0xFF, 1, 2, 3, 4])
        }
        #expect(throws: DecompressionError(.truncated, "the compressed stream ends early (after 0 bytes)")) {
            try Self.deflate64([])
        }
    }

    // MARK: - Implode

    @Test(arguments: [UInt16(0), 2, 4, 6])
    func implodeRoundTrips(_ flags: UInt16) throws {
        for content in [[], Self.text, Self.content] {
            let stream = ZipMethodEncoders.implode(content, flags: flags)
            #expect(try Self.explode(stream, flags: flags, size: content.count) == content)
        }
        // The 8 KiB window finds the repeats 5000 bytes back; the 4 KiB one cannot.
        let small = ZipMethodEncoders.implode(Self.content, flags: flags & ~2).count
        let large = ZipMethodEncoders.implode(Self.content, flags: flags | 2).count
        #expect(large < small - 500)
    }

    @Test func implodeMatchesShortestLengthsAndBytesBeforeTheStart() throws {
        // Two trees: matches start at 2 bytes, and literals are raw.
        let two: [Token] = [.literal(1), .literal(2), .match(length: 2, distance: 2), .match(length: 65, distance: 1)]
        #expect(
            try Self.explode(ZipMethodEncoders.implode(tokens: two, flags: 0), flags: 0, size: 69)
                == Self.expand(two))
        // Three trees: matches start at 3, the longest is 3 + 63 + 255; bytes before the start read as zeros.
        let three: [Token] = [.match(length: 5, distance: 100), .literal(0x41), .match(length: 321, distance: 1)]
        #expect(
            try Self.explode(ZipMethodEncoders.implode(tokens: three, flags: 6), flags: 6, size: 327)
                == Array(repeating: 0, count: 5) + Array(repeating: 0x41, count: 322))
    }

    @Test func implodeOutputStopsAtSizeAndMaximum() throws {
        let stream = ZipMethodEncoders.implode(Self.content, flags: 4)
        // A size cutting a match short, a maximum below the size, a huge size with a small maximum.
        #expect(try Self.explode(stream, flags: 4, size: 3000) == Array(Self.content.prefix(3000)))
        #expect(
            try Self.explode(stream, flags: 4, size: Self.content.count, maximumSize: 100)
                == Array(Self.content.prefix(100)))
        let run = ZipMethodEncoders.implode(
            tokens: [.literal(7)] + Array(repeating: .match(length: 321, distance: 1), count: 300), flags: 4)
        #expect(try Self.explode(run, flags: 4, size: Int.max, maximumSize: 1 << 16).count == 1 << 16)
        #expect(try Self.explode(stream, flags: 4, size: -1).isEmpty)
        // More than the stream holds.
        do {
            _ = try Self.explode(stream, flags: 4, size: Self.content.count + 1000)
            Issue.record("an implode stream gave more bytes than it holds")
        } catch {
            #expect(error.code == .truncated)
        }
    }

    @Test func implodeInvalidTreesAreErrors() {
        // 64 lengths of 7 bits fill half the code space; 65 lengths are one too many.
        #expect(
            throws: DecompressionError(
                .corrupt, "the length tree's lengths are not a complete prefix code at input byte 5")
        ) {
            try Self.explode([3, 0xF6, 0xF6, 0xF6, 0xF6, 0xFF], flags: 0, size: 10)
        }
        #expect(throws: DecompressionError(.corrupt, "the length tree has more than 64 lengths at input byte 6")) {
            try Self.explode([4, 0xF5, 0xF5, 0xF5, 0xF5, 0x05], flags: 0, size: 10)
        }
        #expect(throws: DecompressionError(.corrupt, "the literal tree has 16 of 256 lengths at input byte 2")) {
            try Self.explode([0, 0xF7, 0xFF], flags: 4, size: 10)
        }
    }

    // MARK: - Hostile input

    /// Noise, a run and text, in each kind of block: a short stream, cut everywhere.
    static let shortContent = Array(content.prefix(300)) + Array(repeating: 7, count: 200) + text

    @Test func everyTruncationIsAnError() {
        let content = Self.shortContent
        let deflate64 = ZipMethodEncoders.deflate64(content, types: [.dynamic, .stored, .fixed], blockSize: 200)
        for cut in 0..<deflate64.count {
            #expect(throws: DecompressionError.self) { try Self.deflate64(Array(deflate64.prefix(cut))) }
        }
        for flags in [UInt16(0), 6] {
            let imploded = ZipMethodEncoders.implode(content, flags: flags)
            for cut in 0..<imploded.count {
                #expect(throws: DecompressionError.self) {
                    try Self.explode(Array(imploded.prefix(cut)), flags: flags, size: content.count)
                }
            }
        }
    }

    @Test func corruptBytesNeverGrowPastTheLimit() {
        let deflate64 = ZipMethodEncoders.deflate64(Self.shortContent, types: [.dynamic, .fixed], blockSize: 200)
        let imploded = ZipMethodEncoders.implode(Self.shortContent, flags: 6)
        for (index, byte) in TestContent.noise(1000, seed: 9).enumerated() {
            var stream = deflate64
            stream[index % stream.count] ^= byte | 1
            #expect(((try? Self.deflate64(stream, maximumSize: 1000)) ?? []).count <= 1000)
            var other = imploded
            other[index % other.count] ^= byte | 1
            #expect(((try? Self.explode(other, flags: 6, size: 1 << 20, maximumSize: 1000)) ?? []).count <= 1000)
        }
    }
}

/// Zips with implode and Deflate64 members, read by Vigil's own zip reader (libarchive reads neither).
@Suite struct ZipReaderTests {
    static let text = Array(String(repeating: "implode and deflate64 members of one zip\n", count: 200).utf8)
    static let noise = TestContent.noise(5000, seed: 21)

    static func members(_ zip: [UInt8], maximumSize: Int = 1 << 20) -> [ArchiveMember] {
        zip.withUnsafeBytes { data in
            let catalogue = ZipCatalogue(data, maximumRecords: .max)
            var members: [ArchiveMember] = []
            ZipReader.forEachMember(in: data, catalogue: catalogue, maximumSize: maximumSize) {
                members.append($0)
                return true
            }
            return members
        }
    }

    static let zip = RawZip.build([
        .init("a.txt", text, method: 6, packed: ZipMethodEncoders.implode(text, flags: 6), flags: 6),
        .init("b.bin", noise, method: 9, packed: ZipMethodEncoders.deflate64(noise, types: [.dynamic])),
        .init("c.txt", text, method: 8, packed: TestArchive.deflate(text, .raw)),
        .init("d.txt", text),
        .init("dir/", []),
        .init("e.txt", text, method: 6, packed: ZipMethodEncoders.implode(text, flags: 0), flags: 1),
    ])

    @Test func everyMethodInExtractionOrder() {
        #expect(Self.zip.withUnsafeBytes { ZipReader.isNeeded(for: ZipCatalogue($0, maximumRecords: .max)) })
        let members = Self.members(Self.zip)
        #expect(members.map(\.name) == ["a.txt", "b.bin", "c.txt", "d.txt", "e.txt"])
        #expect(members.prefix(4).map(\.data) == [Self.text, Self.noise, Self.text, Self.text])
        #expect(members.last?.isEncrypted == true && members.last?.data.isEmpty == true)
        let plain = ArchiveWriter.zip([("x", Self.text)])
        #expect(!plain.withUnsafeBytes { ZipReader.isNeeded(for: ZipCatalogue($0, maximumRecords: .max)) })
    }

    @Test func limitsAndDamage() {
        let capped = Self.members(Self.zip, maximumSize: 100)
        #expect(capped.prefix(4).allSatisfy { $0.truncated && $0.data.isEmpty })
        for cut in stride(from: 0, to: Self.zip.count, by: 37) { _ = Self.members(Array(Self.zip.prefix(cut))) }
        var noisy = Self.zip
        for k in stride(from: 40, to: noisy.count, by: 29) { noisy[k] ^= 0x3C }
        _ = Self.members(noisy)
    }
}
