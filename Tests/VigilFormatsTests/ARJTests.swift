import Foundation
import Testing
import VigilFormats
import VigilTestSupport

/// ARJ archives made by Debian's `arj` (installed by `scripts/ensure-deps testfiles`) with each method.
@Suite struct ARJTests {
    static let text = Array(String(repeating: "ARJ packs text like this line, again and again.\n", count: 300).utf8)
    static let noise = TestContent.noise(20_000, seed: 12) + Array(repeating: 0x41, count: 5000)

    /// An archive of `files` made by `arj a` with `options`.
    static func archive(_ files: [(String, [UInt8])], options: [String]) throws -> [UInt8] {
        let dir = try TemporaryDirectory()
        for (name, bytes) in files { _ = try dir.write(name, bytes) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/arj")
        process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        process.arguments = ["a", "-y"] + options + ["out.arj"] + files.map(\.0)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "arj failed")
        return Array(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/out.arj")))
    }

    static func members(_ archive: [UInt8], maximumSize: Int = 1 << 20) -> [ArchiveMember] {
        VigilFormatsTests.members(of: archive) { ARJ.forEachFile(in: $0, maximumSize: maximumSize, $1) }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/arj")), arguments: [0, 1, 2, 3, 4])
    func everyMethod(method: Int) throws {
        let archive = try Self.archive([("text.txt", Self.text), ("noise.bin", Self.noise)], options: ["-m\(method)"])
        let members = Self.members(archive)
        #expect(members.map(\.name) == ["text.txt", "noise.bin"])
        #expect(members.map(\.data) == [Self.text, Self.noise])
        let capped = Self.members(archive, maximumSize: 1000)
        #expect(capped.map(\.data) == [Array(Self.text.prefix(1000)), Array(Self.noise.prefix(1000))])
        #expect(capped.allSatisfy { $0.truncated })
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/arj")))
    func garbledAndDamagedArchives() throws {
        let garbled = Self.members(try Self.archive([("secret.txt", Self.text)], options: ["-gpassword"]))
        #expect(garbled.map(\.isEncrypted) == [true] && garbled.first?.data.isEmpty == true)
        let archive = try Self.archive([("text.txt", Self.text), ("noise.bin", Self.noise)], options: ["-m1"])
        for cut in stride(from: 0, to: archive.count, by: 41) { _ = Self.members(Array(archive.prefix(cut))) }
        var noisy = archive
        for k in stride(from: 100, to: noisy.count, by: 17) { noisy[k] ^= 0xA5 }
        _ = Self.members(noisy)
        #expect(Self.members(Array("\u{60}\u{EA} not really".utf8)).isEmpty)
    }
}
