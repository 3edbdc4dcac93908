import Foundation
import Testing
import VigilTestSupport

@testable import VigilFormats

/// Compiled AutoIt scripts: the real EA05 and EA06 test files of Debian's clamav-testfiles, and records the
/// tests build with the same generators (XOR is its own inverse) and an LZSS encoder of their own.
@Suite struct AutoItTests {
    static let payload =
        Array(String(repeating: "FileInstall payload, repeated. ", count: 40).utf8)
        + TestContent.noise(600, seed: 8)

    static func files(_ data: [UInt8], maximumSize: Int = 1 << 20) -> [ArchiveMember] {
        members(of: data) { AutoIt.forEachFile(in: $0, maximumSize: maximumSize, $1) }
    }

    /// AutoIt's LZSS of `bytes`: literals, and a match (distance 1) for each run of a repeated byte.
    static func lzss(_ bytes: [UInt8], version: AutoIt.Version) -> [UInt8] {
        var bits: [Bool] = []
        func put(_ value: Int, _ width: Int) { for k in (0..<width).reversed() { bits.append(value >> k & 1 == 1) } }
        var i = 0
        while i < bytes.count {
            var run = 0
            while i > 0, i + run < bytes.count, run < 300, bytes[i + run] == bytes[i - 1] { run += 1 }
            if run >= 3 {
                put(version.matchBit, 1)
                put(1, 15)
                // Lengths 3...5 in 2 bits, 6...12 after 3 more, 13...43 after 5 more, then 8-bit fields.
                let n = run - 3
                if n < 3 {
                    put(n, 2)
                } else if n < 10 {
                    put(3, 2)
                    put(n - 3, 3)
                } else if n < 41 {
                    put(3, 2)
                    put(7, 3)
                    put(n - 10, 5)
                } else {
                    put(3, 2)
                    put(7, 3)
                    put(31, 5)
                    put(min(n - 41, 254), 8)
                }
                i += n < 41 ? run : min(n - 41, 254) + 44
            } else {
                put(1 - version.matchBit, 1)
                put(Int(bytes[i]), 8)
                i += 1
            }
        }
        while bits.count % 16 != 0 { bits.append(false) }
        let packed = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<(start + 8)].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        }
        let magic = version.compressedMagic
        return (0..<4).map { UInt8(truncatingIfNeeded: magic >> (8 * $0)) }
            + (0..<4).reversed().map { UInt8(truncatingIfNeeded: bytes.count >> (8 * $0)) } + packed
    }

    /// A compiled script area holding `files` (name, content), compressed or not.
    static func archive(_ files: [(String, [UInt8])], ea06: Bool, compress: Bool = true) -> [UInt8] {
        let version = ea06 ? AutoIt.ea06 : AutoIt.ea05
        let filler = (0..<16).map { UInt8($0 * 3) }
        var out = AutoIt.marker + [UInt8(ascii: ea06 ? "6" : "5")] + filler
        let sum = filler.reduce(UInt32(0)) { $0 + UInt32($1) }
        for (name, content) in files {
            let nameBytes = ea06 ? name.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } : Array(name.utf8)
            let length = UInt32(nameBytes.count / version.characterSize)
            var encryptedName = nameBytes
            version.decrypt(&encryptedName, length &+ version.nameSeed)
            var data = compress ? lzss(content, version: version) : content
            version.decrypt(&data, version.dataSeed(sum))
            out +=
                le32(version.fileMagic) + le32(2 ^ version.tagKey)
                + Array(repeating: 0x41, count: 2 * version.characterSize)
            out += le32(length ^ version.nameKey) + encryptedName
            out +=
                [compress ? 1 : 0] + le32(UInt32(data.count) ^ version.sizeKey)
                + le32(UInt32(content.count))
            out += le32(0) + Array(repeating: 0, count: 16) + data
        }
        return out
    }

    @Test(arguments: [false, true])
    func builtScripts(ea06: Bool) {
        let text = Array("x = 1\n".utf8)
        let archive = Self.archive([("C:\\payload.exe", Self.payload), ("script.au3", text)], ea06: ea06)
        let files = Self.files(archive)
        #expect(files.map(\.name) == ["C:\\payload.exe", "script.au3"])
        #expect(files.map(\.data) == [Self.payload, text])
        let stored = Self.files(Self.archive([("a", Self.payload)], ea06: ea06, compress: false))
        #expect(stored.map(\.data) == [Self.payload])
        let capped = Self.files(archive, maximumSize: 100)
        #expect(capped.first?.truncated == true && capped.first?.data.isEmpty == true)
        for cut in stride(from: 0, to: archive.count, by: 13) { _ = Self.files(Array(archive.prefix(cut))) }
        var noisy = archive
        for k in stride(from: 60, to: noisy.count, by: 23) { noisy[k] ^= 0x77 }
        _ = Self.files(noisy)
    }

    @Test(arguments: ["clam.ea05.exe", "clam.ea06.exe"])
    func clamavTestFiles(name: String) throws {
        let root = "/usr/share/clamav-testfiles/"
        let file = try #require(FileManager.default.contents(atPath: root + name), "install clamav-testfiles")
        let clam = try #require(FileManager.default.contents(atPath: root + "clam.exe"))
        let bytes = Array(file)
        let start = try #require(
            (0...(bytes.count - AutoIt.marker.count)).first {
                bytes[$0] == AutoIt.marker[0] && Array(bytes[$0..<($0 + AutoIt.marker.count)]) == AutoIt.marker
            })
        let files = Self.files(Array(bytes[start...]))
        #expect(files.contains { $0.data == Array(clam) && $0.name.hasSuffix("clam.exe") })
    }
}
