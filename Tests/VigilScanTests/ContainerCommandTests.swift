import Foundation
import Testing
import VigilTestSupport

/// `vigil scan` on archives: detections under the top-level path, the member chain in JSON, ClamAV's limit
/// options and heuristics, and Debian's clamav-testfiles.
@Suite("vigil scan: containers")
struct ContainerCommandTests {
    let dir: TemporaryDirectory

    init() throws { dir = try TemporaryDirectory() }

    @Test func memberDetectionsAreReportedUnderTheFileWithTheirChainInJSON() throws {
        let inner = ArchiveWriter.zip([("eicar.com", TestContent.eicar)])
        let outer = try dir.write(
            "outer.7z",
            ArchiveWriter.build([(name: "docs/inner.zip", bytes: inner)], format: .sevenZip))
        let run = try Vigil.run(["scan", "--no-summary", outer])
        #expect(run.status == 1)
        #expect(run.stdout == "\(outer): Eicar-Test-Signature FOUND\n")
        let json = try Vigil.run(["scan", "--json", "--no-summary", outer])
        let object = try JSONSerialization.jsonObject(with: Data(json.lines[0].utf8)) as! [String: Any]
        let detection = (object["detections"] as! [[String: Any]])[0]
        #expect(detection["chain"] as? [String] == ["docs/inner.zip", "eicar.com"])
    }

    /// `.cdb` signatures from text and from a compiled database, reported under the archive's path.
    @Test func containerMetadataSignatures() throws {
        let cdb = try dir.write(
            "local.cdb",
            Array("# dropper inside a zip\nZip.Dropper.Test:CL_TYPE_ZIP:*:\\.exe$:*:0-1000:0:*:*:*\n".utf8))
        let zip = try dir.write("mail.zip", ArchiveWriter.zip([("invoice.pdf.exe", Array("MZ not really".utf8))]))
        let run = try Vigil.run(["scan", "--no-summary", "-d", cdb, zip])
        #expect(run.stdout == "\(zip): Zip.Dropper.Test FOUND\n")
        #expect(run.status == 1)
        let json = try Vigil.run(["scan", "--json", "--no-summary", "-d", cdb, zip])
        let object = try JSONSerialization.jsonObject(with: Data(json.lines[0].utf8)) as! [String: Any]
        let detection = (object["detections"] as! [[String: Any]])[0]
        #expect(detection["signature"] as? String == "container-metadata")
        let vdb = dir.path + "/all.vdb"
        #expect(try Vigil.run(["db", "compile", "-d", cdb, "-o", vdb]).status == 0)
        #expect(try Vigil.run(["db", "info", vdb]).stdout.contains("container metadata signatures (.cdb): 1"))
        #expect(try Vigil.run(["scan", "--no-summary", "-d", vdb, zip]).stdout == run.stdout)
        let bad = try dir.write("bad.cdb", Array("X:CL_TYPE_ZIP:*:*:*:*:2:*:*:*\n".utf8))
        let refused = try Vigil.run(["scan", "-d", bad, zip])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("bad.cdb:1:23: invalid encryption flag '2'"))
    }

    /// `Heuristics.Zip.OverlappingFiles` is on by default, as in clamscan; `--heuristic-alerts=no` turns it off.
    @Test func heuristicAlertsOption() throws {
        let bomb = try dir.write("bomb.zip", RawZip.nested(depth: 7, payload: Array("x".utf8)))
        #expect(
            try Vigil.run(["scan", "--no-summary", bomb]).stdout == "\(bomb): Heuristics.Zip.OverlappingFiles FOUND\n")
        #expect(try Vigil.run(["scan", "--no-summary", "--heuristic-alerts=no", bomb]).stdout == "\(bomb): OK\n")
        let bad = try Vigil.run(["scan", "--heuristic-alerts=maybe", bomb])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--heuristic-alerts: expected yes or no"))
    }

    /// A 42.zip-style bomb (16 × 16 members of 8 MiB of zeros: 2 GiB from 2 MB) ends with a verdict in
    /// bounded time and memory: MaxScanSize stops the descent, and peak memory (GNU time's maximum resident
    /// set) stays under 512 MB.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time")), .timeLimit(.minutes(2)))
    func zipBombEndsInBoundedMemory() throws {
        let zeros = [UInt8](repeating: 0, count: 8 << 20)
        let level1 = ArchiveWriter.zip((0..<16).map { ("zeros\($0).bin", zeros) })
        let bomb = try dir.write("42.zip", ArchiveWriter.zip((0..<16).map { ("level\($0).zip", level1) }))
        let run = try Vigil.runProgram(
            "/usr/bin/time",
            [
                "-f", "%M", Vigil.executable, "scan", "--no-summary",
                "--alert-exceeds-max", bomb,
            ])
        #expect(run.stdout == "\(bomb): Heuristics.Limits.Exceeded.MaxScanSize FOUND\n")
        let kilobytes = try #require(run.stderr.split(separator: "\n").last.flatMap { Int($0) })
        #expect(kilobytes < 512 * 1024, "peak memory \(kilobytes / 1024) MB")
    }

    @Test func alertMacrosOption() throws {
        let document = try dir.write(
            "macro.doc",
            CompoundFileWriter.build(
                [("WordDocument", Array("text".utf8))]
                    + VBAEncoder.project(storage: "Macros/VBA", modules: [("Module1", "Sub AutoOpen()\r\nEnd Sub\r\n")])
            ))
        #expect(try Vigil.run(["scan", "--no-summary", document]).stdout == "\(document): OK\n")
        #expect(
            try Vigil.run(["scan", "--no-summary", "--alert-macros", document]).stdout
                == "\(document): Heuristics.OLE2.ContainsMacros.VBA FOUND\n")
    }

    @Test func limitOptionsAndHeuristics() throws {
        var nested = TestContent.eicar
        for depth in 0..<3 { nested = ArchiveWriter.zip([("level\(depth)", nested)]) }
        let deep = try dir.write("deep.zip", nested)
        #expect(try Vigil.run(["scan", "--no-summary", deep]).stdout == "\(deep): Eicar-Test-Signature FOUND\n")
        #expect(try Vigil.run(["scan", "--no-summary", "--max-recursion", "3", deep]).stdout == "\(deep): OK\n")
        #expect(
            try Vigil.run(["scan", "--no-summary", "--max-recursion", "3", "--alert-exceeds-max", deep]).stdout
                == "\(deep): Heuristics.Limits.Exceeded.MaxRecursion FOUND\n")
        let three = try dir.write(
            "three.zip",
            ArchiveWriter.zip([
                ("a", Array(repeating: 0x61, count: 100)), ("b", Array(repeating: 0x62, count: 100)),
                ("c", TestContent.eicar),
            ]))
        #expect(
            try Vigil.run(["scan", "--no-summary", "--max-files", "3", "--alert-exceeds-max", three]).stdout
                == "\(three): Heuristics.Limits.Exceeded.MaxFiles FOUND\n")
        let big = try dir.write("big.bin", TestContent.noise(3000, seed: 5))
        #expect(
            try Vigil.run(["scan", "--no-summary", "--max-filesize", "1K", "--alert-exceeds-max", big]).stdout
                == "\(big): Heuristics.Limits.Exceeded.MaxFileSize FOUND\n")
        let encrypted = try dir.write(
            "enc.zip",
            ArchiveWriter.build(
                [(name: "e.com", bytes: TestContent.eicar)],
                format: .zip, options: "zip:encryption=zipcrypt", passphrase: "pw"))
        #expect(try Vigil.run(["scan", "--no-summary", encrypted]).stdout == "\(encrypted): OK\n")
        #expect(
            try Vigil.run(["scan", "--no-summary", "--alert-encrypted", encrypted]).stdout
                == "\(encrypted): Heuristics.Encrypted.Zip FOUND\n")
        let bad = try Vigil.run(["scan", "--max-recursion", "0", deep])
        #expect(bad.status == 2)
    }

    /// The files of Debian's clamav-testfiles whose formats Vigil unpacks today, found with the built-in
    /// database only (clamscan finds all 44; docs/COMPATIBILITY.md lists the rest).
    @Test func clamavTestFiles() throws {
        let root = "/usr/share/clamav-testfiles"
        try #require(FileManager.default.fileExists(atPath: root + "/clam.exe"), "install clamav-testfiles")
        let expected = [
            "clam.exe", "clam.zip", "clam.7z", "clam.cab", "clam.tar.gz", "clam_cache_emax.tgz", "clam.exe.bz2",
            "clam.bz2.zip", "clam.bin-be.cpio", "clam.bin-le.cpio", "clam.newc.cpio", "clam.odc.cpio",
            "clam.exe.szdd", "clam.exe.binhex", "clam.mail", "clam.exe.mbox.base64", "clam.exe.mbox.uu", "clam.tnef",
            "clam.exe.rtf", "clam.exe.html", "clam.ole.doc", "clam.ppt", "clam.sis", "clam.arj",
            "clam-nsis.exe", "clam_ISmsi_ext.exe", "clam_ISmsi_int.exe", "clam_IScab_ext.exe",
            "clam.impl.zip", "clam.d64.zip", "clam.pdf", "clam_IScab_int.exe",
            "clam.ea05.exe", "clam.ea06.exe", "clam-fsg.exe", "clam-upx.exe", "clam.chm",
        ]
        let run = try Vigil.run(["scan", "--no-summary", "-i"] + expected.map { "\(root)/\($0)" })
        #expect(
            run.lines.filter { !$0.isEmpty }.sorted()
                == expected.map { "\(root)/\($0): ClamAV-Test-File FOUND" }.sorted())
    }
}
