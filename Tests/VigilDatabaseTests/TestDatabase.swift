import Crypto
import Foundation
import VigilDatabase
import VigilEngine
import VigilTestSupport

/// A ClamAV database built at test time, written as `sigtool --build` and freshclam write containers: a header,
/// then a tar of `COPYING`, `NAME.info` and the signature files (gzip'd unless it is a plain `.cld`).
struct TestDatabase {
    var name = "test"
    var version = 5
    var functionalityLevel = 216
    var buildTime = "24 Nov 2026 14-31 +0000"
    var buildTimeSeconds = 1_795_530_670
    var builder = "vigiltest"
    /// Signature files, listed in `.info`.
    var files: [(name: String, bytes: [UInt8])]
    /// Members not listed in `.info` (`COPYING` is always added first).
    var unlisted: [(name: String, bytes: [UInt8])] = []

    /// The signature lines, counted as sigtool counts them.
    var signatureCount: Int {
        files.reduce(0) { total, file in
            total
                + file.bytes.split(separator: UInt8(ascii: "\n")).filter {
                    !$0.isEmpty && $0.first != UInt8(ascii: "#")
                }
                .count
        }
    }

    /// The `.info` header line (MD5 and signature fields `X`, as sigtool writes it).
    var infoHeader: String {
        "ClamAV-VDB:\(buildTime):\(version):\(signatureCount):\(functionalityLevel):X:X:\(builder):\(buildTimeSeconds)"
    }

    var infoLines: [String] {
        [infoHeader] + files.map { "\($0.name):\($0.bytes.count):\(sha256($0.bytes))" }
    }

    var info: [UInt8] { Array(infoLines.map { $0 + "\n" }.joined().utf8) }

    var members: [(name: String, bytes: [UInt8])] {
        [("COPYING", Array("ClamAV signatures for tests\n".utf8)), ("\(name).info", info)] + unlisted + files
    }

    /// The container file's bytes.
    func build(_ kind: CVDArchive.Kind, compressed: Bool? = nil) -> [UInt8] {
        let tar = TestArchive.tar(members)
        let body = (compressed ?? (kind != .cld)) ? TestArchive.deflate(tar) : tar
        let header: String
        if kind == .cld {
            header = infoHeader  // freshclam's buildcld copies the .info line
        } else {
            header =
                "ClamAV-VDB:\(buildTime):\(version):\(signatureCount):\(functionalityLevel):\(md5(body)):X:"
                + "\(builder):\(buildTimeSeconds)"
        }
        return Self.pad(header) + body
    }

    static func pad(_ header: String) -> [UInt8] {
        Array(header.utf8) + [UInt8](repeating: UInt8(ascii: " "), count: 512 - header.utf8.count)
    }

    /// A script that rewrites `NAME.info` from this database's to `next`'s: what `sigtool --diff` emits as
    /// XCHG lines, here as deletions and additions (which CLOSE applies in that order).
    func infoUpdate(to next: TestDatabase) -> String {
        var script = "OPEN \(name).info\n"
        for (index, line) in infoLines.enumerated() { script += "DEL \(index + 1) \(line.prefix(20))\n" }
        for line in next.infoLines { script += "ADD \(line)\n" }
        return script + "CLOSE\n"
    }
}

/// A `.cdiff` file: header, gzip'd script, and a stand-in for Talos' signature.
func cdiff(version: Int, _ script: String, trailer: String = ":" + String(repeating: "S", count: 300)) -> [UInt8] {
    let bytes = Array(script.utf8)
    return Array("ClamAV-Diff:\(version):\(bytes.count):".utf8) + TestArchive.deflate(bytes) + Array(trailer.utf8)
}

func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }
func md5(_ bytes: [UInt8]) -> String { Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

/// Signature files over test content built at run time (no test file is itself a detection).
enum TestSignatures {
    static let marker = Array("VIGIL-CVD-BODY-MARKER".utf8)
    static let secondMarker = Array("VIGIL-SECOND-MARKER".utf8)

    static var hdb: [UInt8] { Array("\(md5(TestContent.eicar)):68:Test.Hash.Eicar\n".utf8) }
    static var ndb: [UInt8] { Array("Test.Body.Marker:0:*:\(hexOf(marker))\n".utf8) }
    static var secondNdbLine: String { "Test.Body.Second:0:*:\(hexOf(secondMarker))" }

    static func hexOf(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static var database: TestDatabase { TestDatabase(files: [("test.hdb", hdb), ("test.ndb", ndb)]) }
}

/// The names an engine reports for `data`, every match.
func detections(_ engine: Engine, _ data: [UInt8]) -> [String] {
    var scanner = Scanner(engine: engine)
    return data.withUnsafeBytes { scanner.scan($0, allMatch: true) }.map(\.name)
}

/// Runs a program and captures its output (clamscan for the end-to-end check).
func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (
        process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self)
    )
}
