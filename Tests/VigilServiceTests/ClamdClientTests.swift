import Foundation
import Testing
import VigilSystem
import VigilTestSupport

/// Real clients against real clamd 1.4 (Debian `clamav-daemon`) and `vigil serve`, started side by side on the same
/// database: every client must print the same and exit the same against both, after ``normalisedReply(_:socket:)``.
/// Needs `scripts/ensure-deps clamd`; fails, never skips, without it.
@Suite(.serialized) struct ClamdClientsTests {
    /// Debian's clamdscan in each of its modes (CONTSCAN, MULTISCAN, FILDES, INSTREAM, ALLMATCHSCAN, PING, VERSION;
    /// IDSESSION where it scans several files in parallel), on the UNIX socket and over TCP.
    @Test func clamdscanPrintsAndExitsAsAgainstClamd() throws {
        let (clamdscan, _) = try RealClamd.requireClients()
        let files = try RealClamdTree()
        let daemons = try RealClamdPair(files)
        defer { daemons.stop() }
        let local = try [daemons.clamd, daemons.vigil].map { daemon in
            try files.directory.write("\(daemon.name)-clamdscan.conf", text: "LocalSocket \(daemon.socket)\n")
        }
        let tcp = try [daemons.clamd, daemons.vigil].map { daemon in
            try files.directory.write(
                "\(daemon.name)-clamdscan-tcp.conf", text: "TCPSocket \(daemon.tcpPort ?? 0)\nTCPAddr 127.0.0.1\n")
        }
        let tree = files.tree
        // (arguments, standard input, whether the daemon answers in the order its threads finish)
        typealias Case = (arguments: [String], input: String?, concurrent: Bool)
        let localCases: [Case] = [
            (["--stream", files.eicar], nil, false),
            (["--stream", files.clean], nil, false),
            (["--stream", files.empty], nil, false),
            (["--stream", tree], nil, false),
            ([files.eicar], nil, false),
            ([files.clean], nil, false),
            ([files.empty], nil, false),
            ([files.marker], nil, false),
            ([tree], nil, false),
            (["--infected", "--no-summary", tree], nil, false),
            (["--multiscan", tree], nil, true),
            (["--multiscan", files.eicar], nil, true),
            (["--fdpass", files.eicar], nil, false),
            (["--fdpass", files.clean], nil, false),
            (["--fdpass", tree], nil, false),
            (["--multiscan", "--fdpass", tree], nil, true),
            (["--allmatch", files.eicar], nil, false),
            (["--allmatch", tree], nil, false),
            (["-"], files.eicar, false),
            (["--stream", "-"], files.clean, false),
            ([tree + "/missing"], nil, false),
            (["--ping", "1"], nil, false),
            (["--version"], nil, false),
        ]
        // Over TCP clamdscan streams every file (INSTREAM), in an IDSESSION for --multiscan.
        let tcpCases: [Case] = [
            ([files.eicar], nil, false),
            ([files.clean], nil, false),
            ([tree], nil, false),
            (["--multiscan", tree], nil, true),
            (["-"], files.eicar, false),
            (["--ping", "1"], nil, false),
        ]
        let all = localCases.map { ($0, local, "") } + tcpCases.map { ($0, tcp, " (TCP)") }
        for ((arguments, input, concurrent), configurations, transport) in all {
            let runs = try configurations.map { configuration in
                try RealClamd.run(clamdscan, ["--config-file=\(configuration)"] + arguments, input: input)
            }
            let (clamd, vigil) = (runs[0], runs[1])
            let shown =
                "clamdscan \(arguments.joined(separator: " "))" + (input.map { " < \($0)" } ?? "") + transport
            let both =
                "--- against clamd:\n\(clamd.stdout)\(clamd.stderr)--- against vigil:\n\(vigil.stdout)\(vigil.stderr)"
            #expect(!clamd.timedOut && !vigil.timedOut, "\(shown) timed out")
            #expect(
                clamdscanOutput(clamd, socket: daemons.clamd.socket, sorted: concurrent)
                    == clamdscanOutput(vigil, socket: daemons.vigil.socket, sorted: concurrent), "\(shown)\n\(both)")
            #expect(clamd.status == vigil.status, "\(shown): exit \(clamd.status) against clamd, \(vigil.status) vigil")
        }
        // Not equal by accident: against clamd, the infected file was found and the clean one was not.
        let infected = try RealClamd.run(clamdscan, ["--config-file=\(local[0])", files.eicar])
        #expect(infected.status == 1 && infected.stdout.contains(": Eicar-Test-Signature-NDB.UNOFFICIAL FOUND"))
        let clean = try RealClamd.run(clamdscan, ["--config-file=\(local[0])", files.clean])
        #expect(clean.status == 0 && clean.stdout.hasPrefix("\(files.clean): OK\n"))
    }

    /// Python's `clamd` and `pyclamd` (PyPI): ping, version, streams, and path scans of each kind; on the UNIX socket,
    /// and some over TCP.
    @Test func pythonClientsReturnWhatTheyReturnAgainstClamd() throws {
        let (_, python3) = try RealClamd.requireClients()
        let files = try RealClamdTree()
        let daemons = try RealClamdPair(files)
        defer { daemons.stop() }
        let script = try files.directory.write("clients.py", text: Self.pythonClients)
        let runs = try [daemons.clamd, daemons.vigil].map { daemon in
            try RealClamd.run(python3, [script, daemon.socket, files.tree, "\(daemon.tcpPort ?? 0)"], timeout: 60)
        }
        let (clamd, vigil) = (runs[0], runs[1])
        #expect(clamd.status == 0 && !clamd.timedOut, "the client script against clamd: \(clamd.stderr)")
        #expect(vigil.status == 0 && !vigil.timedOut, "the client script against vigil: \(vigil.stderr)")
        let expected = clamd.stdout.split(separator: "\n").map {
            normalisedReply(String($0), socket: daemons.clamd.socket)
        }
        let actual = vigil.stdout.split(separator: "\n").map {
            normalisedReply(String($0), socket: daemons.vigil.socket)
        }
        #expect(expected.count == actual.count, "lines: \(expected.count) from clamd, \(actual.count) from vigil")
        for (line, (want, got)) in zip(expected, actual).enumerated() {
            #expect(want == got, "line \(line + 1) differs")
        }
        // Not equal by accident: against clamd, the calls worked and found what they should.
        #expect(expected.contains(#"clamd.ping "PONG""#))
        #expect(expected.contains(#"clamd.instream.eicar {"stream": ["FOUND", "Eicar-Test-Signature-NDB"]}"#))
        #expect(expected.contains(#"pyclamd.ping true"#) && expected.contains(#"pyclamd.tcp.ping true"#))
        #expect(expected.contains { $0.hasPrefix("pyclamd.multiscan_file {") && $0.contains("Vigil-Client-Marker") })
    }

    /// `vigil serve` as a daemon's user meets it: a configuration with no socket is refused; SIGHUP reopens the log
    /// and reloads, SIGUSR2 reloads; SIGTERM stops it with status 0 and removes its socket and PidFile.
    @Test func serveAnswersSignalsAsADaemon() throws {
        let directory = try TemporaryDirectory()
        let base = directory.path
        try directory.write("db/test.ndb", text: "Hello-Sig:0:*:68656c6c6f\n")
        let log = base + "/vigil.log"

        try directory.write(
            "nosocket.conf", text: RealClamd.configuration(socket: nil, database: base + "/db", log: log))
        let refused = try RealClamd.run(
            RealClamd.vigil, ["serve", "--config", base + "/nosocket.conf", "--foreground"])
        #expect(!refused.timedOut)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("Please define server type (local and/or TCP)."), "stderr: \(refused.stderr)")

        let socket = base + "/vigil.sock"
        let pidFile = base + "/vigil.pid"
        try directory.write(
            "serve.conf",
            text: RealClamd.configuration(
                socket: socket, database: base + "/db", log: log, extra: ["PidFile \(pidFile)"]))
        let daemon = try RealClamdDaemon(
            name: "vigil", program: RealClamd.vigil, arguments: ["serve", "--config", base + "/serve.conf"],
            socket: socket, outputPath: base + "/vigil.out", logPath: log)
        defer { daemon.stop() }
        let pid = try? String(contentsOfFile: pidFile, encoding: .utf8)
        #expect(pid == "\(daemon.process.processIdentifier)\n", "PidFile: \(pid ?? "none")")

        let hello = Array("zINSTREAM\0".utf8) + chunked(Array("hello world".utf8))
        func reply() -> String { String(decoding: (try? realClamdExchange(socket, hello)) ?? [], as: UTF8.self) }
        #expect(reply() == "stream: Hello-Sig FOUND\0")

        // SIGHUP after a log rotation: a new log file, and (unlike clamd 1.4, which only reopens its log) a reload.
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        try directory.write("db/test.ndb", text: "World-Sig:0:*:776f726c64\n")
        kill(daemon.process.processIdentifier, SIGHUP)
        try waitUntil(seconds: 10) { reply() == "stream: World-Sig FOUND\0" }
        #expect(FileManager.default.fileExists(atPath: log), "no new LogFile after SIGHUP")

        // SIGUSR2: clamd's reload signal.
        try directory.write("db/test.ndb", text: "Hello-Sig:0:*:68656c6c6f\n")
        kill(daemon.process.processIdentifier, SIGUSR2)
        try waitUntil(seconds: 10) { reply() == "stream: Hello-Sig FOUND\0" }

        kill(daemon.process.processIdentifier, SIGTERM)
        #expect(daemon.waitForExit(seconds: 10) == 0, "\(daemon.diagnostics)")
        #expect(!FileManager.default.fileExists(atPath: socket), "the socket is left behind")
        #expect(!FileManager.default.fileExists(atPath: pidFile), "the PidFile is left behind")
    }

    /// Edges where a daemon is easily told apart: names that are not UTF-8, a stream refused mid-way, the socket's
    /// mode, a configuration without a socket.
    @Test func edgesAnswerAsClamd() throws {
        let (clamdscan, _) = try RealClamd.requireClients()
        let files = try RealClamdTree()
        let (odd, badName) = try files.writeNonUTF8Name()
        let big = try files.directory.write("big.bin", [UInt8](repeating: 0x41, count: 5 << 20))
        let daemons = try RealClamdPair(files, extra: ["StreamMaxLength 4M"])
        defer { daemons.stop() }
        let configurations = try [daemons.clamd, daemons.vigil].map { daemon in
            try files.directory.write("\(daemon.name)-clamdscan.conf", text: "LocalSocket \(daemon.socket)\n")
        }
        func scanBoth(_ arguments: [String]) throws -> (clamd: [String], vigil: [String]) {
            let runs = try configurations.map { try RealClamd.run(clamdscan, ["--config-file=\($0)"] + arguments) }
            return (
                clamdscanOutput(runs[0], socket: daemons.clamd.socket, sorted: false),
                clamdscanOutput(runs[1], socket: daemons.vigil.socket, sorted: false)
            )
        }

        // A file whose name is not UTF-8: found by the walk, opened by name, replied with its own bytes.
        let walked = try scanBoth([odd])
        #expect(walked.clamd.contains { $0.hasSuffix(": Eicar-Test-Signature-NDB FOUND") })
        #expect(walked.clamd == walked.vigil)
        for command in ["zSCAN ", "zCONTSCAN ", "zMULTISCAN "] {
            let request = Array(command.utf8) + badName + [0]
            let byName = try [daemons.clamd, daemons.vigil].map { try realClamdExchange($0.socket, request) }
            #expect(byName[0] == badName + Array(": Eicar-Test-Signature-NDB.UNOFFICIAL FOUND\0".utf8))
            #expect(byName[1] == badName + Array(": Eicar-Test-Signature-NDB FOUND\0".utf8), "\(command)")
        }

        // A stream past StreamMaxLength: both reply `INSTREAM size limit exceeded. ERROR` and close, so that
        // clamdscan's next write fails with `Broken pipe`. clamd sometimes closes with the client's data unread,
        // which resets the connection (`Connection reset by peer`); Vigil reads it away first, every time.
        for _ in 0..<3 {
            let stream = try scanBoth(["--stream", big])
            let clamd = stream.clamd.map {
                $0.replacingOccurrences(of: "Connection reset by peer", with: "Broken pipe")
            }
            #expect(clamd == stream.vigil)
            #expect(stream.vigil.contains { $0.contains("Broken pipe") }, "\(stream.vigil)")
        }

        // The socket's mode where LocalSocketMode is not set: 0666, so that any local user's client may connect.
        let modes = [daemons.clamd, daemons.vigil].map { daemon in
            (try? FileManager.default.attributesOfItem(atPath: daemon.socket)[.posixPermissions] as? Int) ?? -1
        }
        #expect(modes[0] == 0o666)
        #expect(String(modes[0], radix: 8) == String(modes[1], radix: 8))

        // No socket configured: both refuse with the same message and status 1.
        try files.directory.write(
            "nosocket.conf",
            text: RealClamd.configuration(socket: nil, database: files.database, log: files.directory.path + "/n.log"))
        let clamdRefused = try RealClamd.run(RealClamd.clamd, ["-c", files.directory.path + "/nosocket.conf"])
        let vigilRefused = try RealClamd.run(
            RealClamd.vigil, ["serve", "--config", files.directory.path + "/nosocket.conf", "--foreground"])
        #expect(clamdRefused.stderr == vigilRefused.stderr)
        #expect(clamdRefused.status == vigilRefused.status)
    }

    /// The lines clamdscan printed to standard output and error, normalised; without the summary's times, which
    /// differ from run to run; sorted when the daemon answers in the order its threads finish.
    private func clamdscanOutput(_ run: RealClamdRun, socket: String, sorted: Bool) -> [String] {
        let timing = ["Time: ", "Start Date: ", "End Date: "]
        var lines = (run.stdout + "\n--- stderr\n" + run.stderr).split(
            separator: "\n", omittingEmptySubsequences: false
        )
        .map { normalisedReply(String($0), socket: socket) }
        .filter { line in !timing.contains { line.hasPrefix($0) } }
        if sorted { lines.sort() }
        return lines
    }

    /// Calls each client's functions against the socket `argv[1]` (and some against loopback port `argv[3]`) on the
    /// tree `argv[2]` (as ``RealClamdTree`` builds it) and prints a line per call: its name, then its result, or the
    /// exception it raised, as JSON.
    static let pythonClients = #"""
        import io, json, os, sys
        import clamd, pyclamd

        sock, tree, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
        eicar = open(os.path.join(tree, "eicar.com"), "rb").read()
        noise = bytes((i * 7919 + 13) % 251 for i in range(3 * 1024 * 1024))

        def show(label, call):
            try:
                result = call()
            except Exception as e:
                result = "raised %s: %s" % (type(e).__name__, e)
            print(label, json.dumps(result, sort_keys=True), flush=True)

        c = clamd.ClamdUnixSocket(sock, timeout=20)
        show("clamd.ping", c.ping)
        show("clamd.version", c.version)
        show("clamd.instream.eicar", lambda: c.instream(io.BytesIO(eicar)))
        show("clamd.instream.clean", lambda: c.instream(io.BytesIO(b"clean " * 1000)))
        show("clamd.instream.empty", lambda: c.instream(io.BytesIO(b"")))
        show("clamd.instream.3MiB", lambda: c.instream(io.BytesIO(noise)))
        show("clamd.scan.eicar", lambda: c.scan(os.path.join(tree, "eicar.com")))
        show("clamd.scan.clean", lambda: c.scan(os.path.join(tree, "clean.txt")))
        show("clamd.scan.empty", lambda: c.scan(os.path.join(tree, "empty.txt")))
        show("clamd.scan.marker", lambda: c.scan(os.path.join(tree, "nested/deeper/marker.txt")))
        show("clamd.scan.tree", lambda: c.scan(tree))
        show("clamd.scan.missing", lambda: c.scan(os.path.join(tree, "missing")))
        show("clamd.contscan.tree", lambda: c.contscan(tree))
        show("clamd.contscan.nested", lambda: c.contscan(os.path.join(tree, "nested")))
        show("clamd.multiscan.tree", lambda: c.multiscan(tree))
        show("clamd.multiscan.eicar", lambda: c.multiscan(os.path.join(tree, "eicar.com")))

        p = pyclamd.ClamdUnixSocket(filename=sock, timeout=20)
        show("pyclamd.ping", p.ping)
        show("pyclamd.version", p.version)
        show("pyclamd.stats.first", lambda: p.stats().split("\n")[0])
        show("pyclamd.scan_stream.eicar", lambda: p.scan_stream(eicar))
        show("pyclamd.scan_stream.clean", lambda: p.scan_stream(b"clean " * 1000))
        show("pyclamd.scan_stream.3MiB", lambda: p.scan_stream(noise))
        show("pyclamd.scan_file.eicar", lambda: p.scan_file(os.path.join(tree, "eicar.com")))
        show("pyclamd.scan_file.clean", lambda: p.scan_file(os.path.join(tree, "clean.txt")))
        show("pyclamd.scan_file.tree", lambda: p.scan_file(tree))
        show("pyclamd.scan_file.missing", lambda: p.scan_file(os.path.join(tree, "missing")))
        show("pyclamd.multiscan_file", lambda: p.multiscan_file(tree))
        show("pyclamd.contscan_file", lambda: p.contscan_file(tree))
        show("pyclamd.allmatchscan", lambda: p.allmatchscan(os.path.join(tree, "eicar.com")))

        c = clamd.ClamdNetworkSocket("127.0.0.1", port, timeout=20)
        show("clamd.tcp.ping", c.ping)
        show("clamd.tcp.version", c.version)
        show("clamd.tcp.instream.eicar", lambda: c.instream(io.BytesIO(eicar)))
        show("clamd.tcp.scan.eicar", lambda: c.scan(os.path.join(tree, "eicar.com")))
        show("clamd.tcp.multiscan.tree", lambda: c.multiscan(tree))
        p = pyclamd.ClamdNetworkSocket("127.0.0.1", port, timeout=20)
        show("pyclamd.tcp.ping", p.ping)
        show("pyclamd.tcp.scan_stream.eicar", lambda: p.scan_stream(eicar))
        show("pyclamd.tcp.contscan_file", lambda: p.contscan_file(tree))
        """#
}
