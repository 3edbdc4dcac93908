import Testing
import VigilFormats
import VigilTestSupport

@Suite("Inflate: gzip, zlib and raw deflate with an output limit")
struct InflateTests {
    let text = Array(String(repeating: "ClamAV-VDB and friends\n", count: 500).utf8)

    @Test(arguments: [
        (TestArchive.Compression.gzip, Inflate.Format.gzip), (.zlib, .zlib), (.raw, .raw), (.gzip, .gzipOrZlib),
        (.zlib, .gzipOrZlib),
    ])
    func roundTrips(_ compression: TestArchive.Compression, _ format: Inflate.Format) throws {
        let packed = TestArchive.deflate(text, compression)
        let out = try Inflate.decompress(packed, format: format, maxOutputSize: text.count)
        #expect(out.bytes == text)
        #expect(out.consumed == packed.count)
    }

    /// The partial mode keeps what a damaged, cut or oversized stream gave before it stopped.
    @Test func partialOutputUpToTheDamage() {
        let noise = TestContent.noise(20_000, seed: 3)
        let packed = TestArchive.deflate(noise, .raw, level: 0)  // stored blocks: a cut keeps a known prefix
        let cut = Array(packed.prefix(packed.count / 2))
        let (head, error) = cut.withUnsafeBytes {
            Inflate.decompressPartially($0, format: .raw, maxOutputSize: 1 << 20)
        }
        #expect(error?.code == .truncated)
        #expect(!head.bytes.isEmpty && noise.starts(with: head.bytes))
        let (limited, overflow) = packed.withUnsafeBytes {
            Inflate.decompressPartially($0, format: .raw, maxOutputSize: 1000)
        }
        #expect(overflow?.code == .outputLimitExceeded && limited.bytes == Array(noise.prefix(1000)))
        let (whole, none) = packed.withUnsafeBytes {
            Inflate.decompressPartially($0, format: .raw, maxOutputSize: 1 << 20)
        }
        #expect(none == nil && whole.bytes == noise)
    }

    @Test func limitIsExactAndRefusesOneByteMore() throws {
        let packed = TestArchive.deflate(text)
        #expect(throws: DecompressionError.self) {
            try Inflate.decompress(packed, format: .gzip, maxOutputSize: text.count - 1)
        }
        do {
            _ = try Inflate.decompress(packed, format: .gzip, maxOutputSize: text.count - 1)
        } catch {
            #expect(error.code == .outputLimitExceeded)
        }
    }

    @Test func bombIsRefusedWithoutAllocatingItsSize() throws {
        let bomb = TestArchive.deflate([UInt8](repeating: 0, count: 64 << 20))
        #expect(bomb.count < 100_000)
        do {
            _ = try Inflate.gunzip(bomb, maxOutputSize: 1 << 20)
            Issue.record("a 64 MiB bomb passed a 1 MiB limit")
        } catch {
            #expect(error.code == .outputLimitExceeded)
        }
    }

    @Test func truncatedStreamIsAnError() {
        let packed = TestArchive.deflate(text)
        for cut in [1, 8, packed.count / 2, packed.count - 1] {
            do {
                _ = try Inflate.decompress(Array(packed.prefix(cut)), format: .gzip, maxOutputSize: 1 << 20)
                Issue.record("a stream cut to \(cut) bytes decompressed")
            } catch {
                #expect(error.code == .truncated || error.code == .corrupt)
            }
        }
        #expect(throws: DecompressionError.self) { try Inflate.decompress([], format: .gzip, maxOutputSize: 10) }
    }

    @Test func corruptStreamIsAnError() {
        var packed = TestArchive.deflate(text)
        packed[0] = 0x00
        do {
            _ = try Inflate.decompress(packed, format: .gzip, maxOutputSize: 1 << 20)
            Issue.record("a stream without the gzip magic decompressed")
        } catch {
            #expect(error.code == .corrupt)
        }
        var badCRC = TestArchive.deflate(text)
        badCRC[badCRC.count - 6] ^= 0xFF
        #expect(throws: DecompressionError.self) {
            try Inflate.decompress(badCRC, format: .gzip, maxOutputSize: 1 << 20)
        }
    }

    @Test func consumedStopsAtTheStreamsEnd() throws {
        let packed = TestArchive.deflate(text)
        let out = try Inflate.decompress(packed + Array(":signature".utf8), format: .gzip, maxOutputSize: 1 << 20)
        #expect(out.bytes == text)
        #expect(out.consumed == packed.count)
    }

    @Test func gunzipReadsEveryMemberAndIgnoresTrailingGarbage() throws {
        let a = Array("first\n".utf8)
        let b = Array("second\n".utf8)
        let file = TestArchive.deflate(a) + TestArchive.deflate(b) + [0, 0, 0x41]
        #expect(try Inflate.gunzip(file, maxOutputSize: 100) == a + b)
        #expect(throws: DecompressionError.self) { try Inflate.gunzip(file, maxOutputSize: a.count + 1) }
    }
}
