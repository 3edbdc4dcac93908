import Foundation
import Testing
import VigilTestSupport

/// `vigil scan` end to end: the real binary on files the tests build.
@Suite("vigil scan")
struct ScanCommandTests {
    let dir: TemporaryDirectory

    init() throws { dir = try TemporaryDirectory() }

    @Test func builtinDatabaseFindsEICAR() throws {
        let eicar = try dir.write("eicar.com", TestContent.eicar)
        let clean = try dir.write("clean.txt", text: "nothing to see\n")
        let run = try Vigil.run(["scan", "--no-summary", eicar, clean])
        #expect(run.status == 1)
        #expect(run.lines.contains("\(eicar): Eicar-Test-Signature FOUND"))
        #expect(run.lines.contains("\(clean): OK"))
    }

    @Test func builtinDatabaseFindsClamAVTestFile() throws {
        let clam = "/usr/share/clamav-testfiles/clam.exe"
        try #require(FileManager.default.fileExists(atPath: clam), "install clamav-testfiles (scripts/ensure-deps)")
        let run = try Vigil.run(["scan", "--no-summary", clam])
        #expect(run.status == 1)
        #expect(run.stdout == "\(clam): ClamAV-Test-File FOUND\n")
    }

    @Test func cleanTreeExitsZero() throws {
        try dir.write("a/b/c.txt", text: "hello")
        try dir.write("a/d.bin", TestContent.noise(5000, seed: 1))
        let run = try Vigil.run(["scan", dir.path])
        #expect(run.status == 0)
        #expect(run.stdout.contains("Scanned files: 2\n"))
        #expect(run.stdout.contains("Scanned directories: 3\n"))
        #expect(run.stdout.contains("Infected files: 0\n"))
        #expect(run.stdout.contains("Known viruses: 2\n"))
        #expect(run.stdout.contains("Database age: built-in\n"))
    }

    @Test func summaryBlockHasClamscansLines() throws {
        try dir.write("x.txt", text: "x")
        let run = try Vigil.run(["scan", dir.path])
        let expected = [
            "----------- SCAN SUMMARY -----------", "Known viruses: ", "Engine version: ", "Database age: ",
            "Scanned directories: ", "Scanned files: ", "Infected files: ", "Data scanned: ", "Data read: ",
            "Time: ", "Start Date: ", "End Date:   ",
        ]
        var index = run.lines.startIndex
        for prefix in expected {
            let found = run.lines[index...].firstIndex { $0.hasPrefix(prefix) }
            #expect(found != nil, "missing or out of order: \(prefix)")
            index = found ?? index
        }
    }

    @Test func infectedOnlyAndNoSummary() throws {
        let eicar = try dir.write("e", TestContent.eicar)
        try dir.write("ok", text: "fine")
        let run = try Vigil.run(["scan", "-i", "--no-summary", dir.path])
        #expect(run.stdout == "\(eicar): Eicar-Test-Signature FOUND\n")
    }

    @Test func databaseFilesAndDirectories() throws {
        let db = try dir.write("db/sigs.ndb", text: "Test.Body:0:*:68656c6c6f\n")
        try dir.write("db/README", text: "not a signature file")
        let target = try dir.write("t/a.bin", [0] + Array("xx hello xx".utf8))
        let byFile = try Vigil.run(["scan", "--no-summary", "-d", db, target])
        #expect(byFile.stdout == "\(target): Test.Body FOUND\n")
        let byDir = try Vigil.run(["scan", "-d", dir.path + "/db", target])
        #expect(byDir.lines.first == "\(target): Test.Body FOUND")
        #expect(byDir.stdout.contains("Known viruses: 1\n"))
        #expect(byDir.stdout.contains("Database age: 0 d 0 h (newest file "))
        let byEnv = try Vigil.run(["scan", "--no-summary", target], environment: ["VIGIL_DATABASE": db])
        #expect(byEnv.stdout == "\(target): Test.Body FOUND\n")
    }

    /// PE section digests (`.mdb`, `.msb`) and the import-table digest (`.imp`) of ClamAV's test executable,
    /// as `sigtool --mdb` / `--imp` print them; clamscan reports sized before wildcard, sections before imports.
    @Test func peSectionAndImportHashes() throws {
        let clam = "/usr/share/clamav-testfiles/clam.exe"
        try #require(FileManager.default.fileExists(atPath: clam), "install clamav-testfiles (scripts/ensure-deps)")
        _ = try dir.write("pe/a.msb", text: "*:23db1dd3f77fae25610b6a32701313ae:Mdb.Any:73\n")
        _ = try dir.write(
            "pe/s.mdb",
            text: "512:23db1dd3f77fae25610b6a32701313ae:Mdb.Sect\n511:23db1dd3f77fae25610b6a32701313ae:Mdb.Other\n")
        _ = try dir.write("pe/s.imp", text: "98c88d882f01a3f6ac1e5f7dfd761624:39:Imp.Hash\n")
        let run = try Vigil.run(["scan", "--no-summary", "-z", "-d", dir.path + "/pe", clam])
        #expect(run.stdout == "\(clam): Mdb.Sect FOUND\n\(clam): Mdb.Any FOUND\n\(clam): Imp.Hash FOUND\n")
    }

    @Test func allMatchReportsEverySignature() throws {
        let db = try dir.write("d.ndb", text: "A:0:*:68656c6c6f\nB:0:*:776f726c64\n")
        let file = try dir.write("f", [0] + Array("hello world".utf8))
        let one = try Vigil.run(["scan", "--no-summary", "-d", db, file])
        #expect(one.stdout == "\(file): A FOUND\n")
        let all = try Vigil.run(["scan", "--no-summary", "-z", "-d", db, file])
        // clamscan matches binary data twice (raw, then as target type 14) and reports both passes.
        #expect(all.stdout == "\(file): A FOUND\n\(file): B FOUND\n\(file): A FOUND\n\(file): B FOUND\n")
    }

    @Test func jsonLines() throws {
        let eicar = try dir.write("e.com", TestContent.eicar)
        let clean = try dir.write("c.txt", text: "clean")
        let run = try Vigil.run(["scan", "--json", "-j", "1", eicar, clean])
        let objects = try run.lines.filter { !$0.isEmpty }.map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(objects.count == 3)
        #expect(objects[0]["path"] as? String == eicar)
        #expect(objects[0]["status"] as? String == "FOUND")
        #expect(objects[0]["size"] as? Int == 68)
        let detections = objects[0]["detections"] as? [[String: Any]]
        #expect(detections?.first?["name"] as? String == "Eicar-Test-Signature")
        #expect(objects[1]["status"] as? String == "OK")
        #expect((objects[1]["detections"] as? [Any])?.isEmpty == true)
        #expect(objects[2]["summary"] as? Bool == true)
        #expect(objects[2]["infected_files"] as? Int == 1)
        #expect(objects[2]["scanned_files"] as? Int == 2)
        #expect(objects[2]["known_viruses"] as? Int == 2)
    }

    @Test func standardInput() throws {
        let run = try Vigil.run(["scan", "--no-summary", "-"], input: TestContent.eicar)
        #expect(run.status == 1)
        #expect(run.stdout == "stdin: Eicar-Test-Signature FOUND\n")
        let clean = try Vigil.run(["scan", "--no-summary", "-"], input: Array("hello".utf8))
        #expect(clean.stdout == "stdin: OK\n")
        #expect(clean.status == 0)
    }

    @Test func missingPathIsAnErrorAndExitTwo() throws {
        let run = try Vigil.run(["scan", "--no-summary", dir.path + "/nope"])
        #expect(run.status == 2)
        #expect(run.stdout == "\(dir.path)/nope: No such file or directory ERROR\n")
    }

    @Test func noPathScansTheCurrentDirectory() throws {
        try dir.write("here", TestContent.eicar)
        let run = try Vigil.run(["scan", "--no-summary"], currentDirectory: dir.path)
        #expect(run.stdout == "./here: Eicar-Test-Signature FOUND\n")
        #expect(try Vigil.run(["scan", "--no-such-option"]).status == 2)
    }

    @Test func foundWinsOverError() throws {
        let eicar = try dir.write("e", TestContent.eicar)
        let run = try Vigil.run(["scan", "--no-summary", eicar, dir.path + "/nope"])
        #expect(run.status == 1)
    }

    @Test func specialFilesAreErrorsAndTheScanGoesOn() throws {
        let fifo = dir.path + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let eicar = try dir.write("z", TestContent.eicar)
        let run = try Vigil.run(["scan", "--no-summary", dir.path])
        #expect(run.lines.contains("\(fifo): Not a regular file ERROR"))
        #expect(run.lines.contains("\(eicar): Eicar-Test-Signature FOUND"))
        #expect(run.status == 1)
        let device = try Vigil.run(["scan", "--no-summary", "/dev/null"])
        #expect(device.stdout == "/dev/null: Not a regular file ERROR\n")
        #expect(device.status == 2)
    }

    @Test func unreadableFileIsAccessDenied() throws {
        let file = try dir.write("secret", text: "x")
        chmod(file, 0)
        defer { chmod(file, 0o600) }
        // Root reads anything; drop to nobody for this one check when running as root.
        let arguments: [String]
        if getuid() == 0 {
            chmod(dir.path, 0o755)
            arguments = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", Vigil.executable]
        } else {
            arguments = [Vigil.executable]
        }
        let run = try Vigil.runProgram("/usr/bin/env", arguments + ["scan", "--no-summary", file])
        #expect(run.stdout == "\(file): Access denied ERROR\n")
        #expect(run.status == 2)
    }

    @Test func emptyFilesAndSymlinks() throws {
        let empty = try dir.write("empty", [])
        let target = try dir.write("real", TestContent.eicar)
        let link = dir.path + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let run = try Vigil.run(["scan", "--no-summary", dir.path])
        #expect(run.lines.contains("\(empty): Empty file"))
        #expect(run.lines.contains("\(link): Symbolic link"))
        #expect(run.lines.contains("\(target): Eicar-Test-Signature FOUND"))
        let followed = try Vigil.run(["scan", "--no-summary", "--follow-symlinks", dir.path])
        #expect(followed.lines.contains("\(link): Eicar-Test-Signature FOUND"))
        // A link named on the command line is followed, as by clamscan.
        let direct = try Vigil.run(["scan", "--no-summary", link])
        #expect(direct.stdout == "\(link): Eicar-Test-Signature FOUND\n")
    }

    /// A name that is not UTF-8 (`bad\xFF.com`, Latin-1 `ÿ`) is found by the walk, opened, and printed with its own
    /// bytes, as clamscan prints it; named on the command line too. JSON shows U+FFFD for the byte.
    @Test func fileNamesThatAreNotUTF8() throws {
        let name = Array(dir.path.utf8) + Array("/odd/bad".utf8) + [0xFF] + Array(".com".utf8)
        try dir.write("odd/placeholder.txt", text: "hello world\n")
        // Foundation cannot spell the name: write the file under another, then rename it to the bytes.
        let written = try dir.write("odd/eicar.tmp", TestContent.eicar)
        let renamed = written.withCString { from in
            (name + [0]).withUnsafeBufferPointer { to in
                to.withMemoryRebound(to: CChar.self) { rename(from, $0.baseAddress!) }
            }
        }
        try #require(renamed == 0)
        let found = name + Array(": Eicar-Test-Signature FOUND\n".utf8)

        let walked = try Vigil.run(["scan", "--no-summary", "--infected", dir.path + "/odd"])
        #expect(walked.stdoutBytes == found)
        #expect(walked.status == 1)

        // The raw bytes on the command line: the shell's printf makes the argument, which Process could not pass.
        let named = try Vigil.runProgram(
            "/bin/sh",
            [
                "-c", "exec \"$0\" scan --no-summary \"$(printf '%s/odd/bad\\377.com' \"$1\")\"",
                Vigil.executable, dir.path,
            ])
        #expect(named.stdoutBytes == found)

        let json = try Vigil.run(["scan", "--no-summary", "--infected", "--json", dir.path + "/odd"])
        #expect(json.stdout.contains("\"path\":\"\(dir.path)/odd/bad\u{FFFD}.com\""))
    }

    @Test func excludePatterns() throws {
        try dir.write("skip/e1", TestContent.eicar)
        try dir.write("keep/e2.log", TestContent.eicar)
        let kept = try dir.write("keep/e3.txt", TestContent.eicar)
        let run = try Vigil.run(["scan", "--no-summary", "--exclude-dir", "/skip$", "--exclude", "\\.log$", dir.path])
        #expect(run.stdout == "\(kept): Eicar-Test-Signature FOUND\n")
        let bad = try Vigil.run(["scan", "--exclude", "(", dir.path])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("invalid regular expression '('"))
    }

    @Test func sizeLimitsSkipScanning() throws {
        let db = try dir.write("d.ndb", text: "A:0:*:68656c6c6f\n")
        let file = try dir.write("f", [0] + Array(repeating: 0x41, count: 3000) + Array("hello".utf8))
        let small = try Vigil.run(["scan", "--no-summary", "-d", db, "--max-filesize", "1K", file])
        #expect(small.stdout == "\(file): OK\n")
        let scanLimit = try Vigil.run(["scan", "--no-summary", "-d", db, "--max-scansize", "2K", file])
        #expect(scanLimit.stdout == "\(file): OK\n")
        let roomy = try Vigil.run(["scan", "--no-summary", "-d", db, "--max-filesize", "1M", file])
        #expect(roomy.stdout == "\(file): A FOUND\n")
        let bad = try Vigil.run(["scan", "--max-filesize", "lots", file])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--max-filesize: invalid size 'lots'"))
    }

    @Test func malformedSignatureStopsBeforeScanning() throws {
        let db = try dir.write("bad.ndb", text: "Good:0:*:68656c6c6f\nBad:0:*:6865zz\n")
        let file = try dir.write("f", text: "hello")
        let run = try Vigil.run(["scan", "-d", db, file])
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("ERROR: \(db):2:13: invalid hex digit\n"))
        #expect(run.stderr.contains("    Bad:0:*:6865zz\n                ^"))
    }

    @Test func unsupportedSignatureIsSkippedWithAWarning() throws {
        let db = try dir.write("mixed.ndb", text: "Later:15:*:68656c6c6f\nNow:0:*:776f726c64\n")
        let file = try dir.write("f", [0] + Array("hello world".utf8))
        let run = try Vigil.run(["scan", "--no-summary", "-d", db, file])
        #expect(run.status == 1)
        #expect(run.stdout == "\(file): Now FOUND\n")
        #expect(
            run.stderr.contains(
                "WARNING: \(db):1:7: target type 15 is unknown; signature skipped"))
    }

    @Test func scanningChangesNothing() throws {
        let file = try dir.write("keep.bin", TestContent.eicar)
        var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, file, &times, 0) == 0)
        var before = stat()
        stat(file, &before)
        _ = try Vigil.run(["scan", file])
        var after = stat()
        stat(file, &after)
        #expect(after.st_atim.tv_sec == before.st_atim.tv_sec)
        #expect(after.st_mtim.tv_sec == before.st_mtim.tv_sec)
        #expect(after.st_ctim.tv_sec == before.st_ctim.tv_sec)
        #expect(after.st_size == before.st_size)
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == Data(TestContent.eicar))
    }

    @Test func parallelScanGivesTheSameLines() throws {
        for i in 0..<200 {
            try dir.write(
                "f\(i / 20)/\(i)", i % 7 == 0 ? TestContent.eicar : TestContent.noise(i * 37, seed: UInt64(i)))
        }
        let one = try Vigil.run(["scan", "--no-summary", "-j", "1", dir.path])
        let four = try Vigil.run(["scan", "--no-summary", "-j", "4", dir.path])
        #expect(one.lines.sorted() == four.lines.sorted())
        #expect(one.lines.filter { $0.hasSuffix("FOUND") }.count == 29)
        #expect(four.lines.allSatisfy { $0.isEmpty || $0.hasSuffix(": OK") || $0.hasSuffix(" FOUND") })
    }

    @Test func progressLineOnATerminalIsErased() throws {
        try dir.write("a", TestContent.noise(10_000, seed: 3))
        // `script` gives the scan a terminal; the progress line is drawn on it and erased at the end.
        let run = try Vigil.runProgram(
            "/usr/bin/script", ["-qec", "\(Vigil.executable) scan --no-summary \(dir.path)", "/dev/null"])
        let text = run.stdout
        #expect(text.contains("\(dir.path)/a: OK"))
        let drawn = try #require(text.range(of: " MB/s", options: .backwards), "no progress line drawn")
        #expect(text[drawn.upperBound...].contains("\r\u{1B}[K"), "progress line not erased")
        // Without a terminal there is no progress line at all.
        #expect(!(try Vigil.run(["scan", dir.path]).stderr.contains("MB/s")))
    }
}
