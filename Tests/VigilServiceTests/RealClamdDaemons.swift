import Foundation
import Testing
import VigilSystem
import VigilTestSupport

/// Why a client test cannot run: a program or module it needs is missing (CI installs them, so this fails the test),
/// or a daemon did not start.
struct RealClamdError: Error, CustomStringConvertible {
    var description: String
}

/// What a program run by a client test printed, and how it ended.
struct RealClamdRun: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Whether it was killed for running past its time limit.
    var timedOut: Bool
}

/// The programs the client tests run, found and started with a time limit each.
enum RealClamd {
    /// Debian's clamd.
    static let clamd = "/usr/sbin/clamd"

    /// The `vigil` binary beside the test bundle (SwiftPM builds it because this test target depends on it).
    static var vigil: String {
        let bundle =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: bundle).deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("vigil").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("vigil").path
    }

    /// `name` as the shell finds it on `$PATH`, if it is there.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// The real clamd and clamdscan, and a python3 that imports PyPI's `clamd` and `pyclamd`; throws what is missing
    /// and how to install it.
    static func requireClients() throws -> (clamdscan: String, python3: String) {
        let fix = "run `scripts/ensure-deps clamd` (CI installs them)"
        guard FileManager.default.isExecutableFile(atPath: clamd) else {
            throw RealClamdError(description: "\(clamd) (Debian clamav-daemon) is missing: \(fix)")
        }
        guard let clamdscan = which("clamdscan") else {
            throw RealClamdError(description: "clamdscan (Debian clamdscan) is not on PATH: \(fix)")
        }
        guard let python3 = which("python3") else {
            throw RealClamdError(description: "python3 is not on PATH: \(fix)")
        }
        let probe = try run(python3, ["-c", "import clamd, pyclamd"], timeout: 30)
        guard probe.status == 0 else {
            throw RealClamdError(
                description: "\(python3) cannot import the PyPI modules clamd and pyclamd: \(fix)\n\(probe.stderr)")
        }
        return (clamdscan, python3)
    }

    /// Runs `program ARGS` with standard input from `input` (a file; else nothing) and its output captured in files
    /// (a child that leaves a descriptor open cannot hang the test); past `timeout` seconds it is sent SIGTERM, then
    /// SIGKILL.
    static func run(_ program: String, _ arguments: [String], input: String? = nil, timeout: Double = 30) throws
        -> RealClamdRun
    {
        let scratch = try TemporaryDirectory()
        let (out, err) = (scratch.path + "/stdout", scratch.path + "/stderr")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["VIGIL_DATABASE"] = nil
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input ?? "/dev/null"))
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        try process.run()
        let timedOut = ended.wait(timeout: .now() + timeout) == .timedOut
        if timedOut {
            process.terminate()
            if ended.wait(timeout: .now() + 2) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                ended.wait()
            }
        }
        // Lossy: a file name that is not UTF-8 shows as U+FFFD, alike for both daemons.
        let text = { (path: String) in
            String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        }
        return RealClamdRun(status: process.terminationStatus, stdout: text(out), stderr: text(err), timedOut: timedOut)
    }

    /// A loopback TCP port that is free now (the kernel's pick, released again for a daemon to bind).
    static func freeLoopbackPort() throws -> Int {
        switch FileDescriptor.listenTCP(host: "127.0.0.1", port: 0, backlog: 1) {
        case .success(let (fds, port)):
            for fd in fds { fd.close() }
            return port
        case .failure(let e): throw RealClamdError(description: "no free loopback port: \(e)")
        }
    }

    /// The MD5 of `bytes` in hex, from coreutils' `md5sum` (the test target links no hash library).
    static func md5(_ bytes: [UInt8]) throws -> String {
        let scratch = try TemporaryDirectory()
        let file = try scratch.write("data", bytes)
        let run = try run("/usr/bin/md5sum", [file], timeout: 10)
        return String(run.stdout.prefix(32))
    }

    /// A clamd.conf for either daemon: in the foreground, on `socket`, reading `database`, logging to `log`; and when
    /// the tests run as root, `User root`, so that both take the packaged configuration's path of dropping privileges
    /// while the test's files stay readable.
    static func configuration(socket: String?, database: String, log: String, extra: [String] = []) -> String {
        var lines = ["Foreground yes", "DatabaseDirectory \(database)", "LogFile \(log)", "MaxThreads 4"]
        if let socket { lines.append("LocalSocket \(socket)") }
        if geteuid() == 0 { lines.append("User root") }
        return (lines + extra).joined(separator: "\n") + "\n"
    }
}

/// Sends `request` on a new connection to the UNIX socket at `socket` and returns every byte of the reply, until the
/// server closes or `timeout` seconds pass without a byte.
func realClamdExchange(_ socket: String, _ request: [UInt8], timeout: Double = 10) throws -> [UInt8] {
    let fd = try FileDescriptor.connectUnix(path: socket).get()
    defer { fd.close() }
    fd.setTimeout(seconds: timeout)
    _ = request.withUnsafeBytes { fd.writeAll($0) }
    var reply: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while case .success(let n) = buffer.withUnsafeMutableBytes({ fd.read(into: $0) }), n > 0 {
        reply += buffer[0..<n]
    }
    return reply
}

/// A clamd, or `vigil serve`, started as a process on its own UNIX socket and stopped by ``stop()``.
final class RealClamdDaemon: @unchecked Sendable {
    /// `clamd` or `vigil`, for messages.
    let name: String
    let socket: String
    /// The loopback TCP port it also listens on, if any.
    let tcpPort: Int?
    let process: Process
    /// Where the process's standard output and error go.
    let outputPath: String
    /// The `LogFile` of its configuration.
    let logPath: String

    /// Starts `program ARGS` and waits (at most `startTimeout` seconds) until it answers `zPING` on `socket`.
    ///
    /// - Throws: when it ends before it answers, or does not answer in time (it is stopped then), with its output.
    init(
        name: String, program: String, arguments: [String], socket: String, tcpPort: Int? = nil, outputPath: String,
        logPath: String, startTimeout: Double = 60
    ) throws {
        self.name = name
        self.socket = socket
        self.tcpPort = tcpPort
        self.outputPath = outputPath
        self.logPath = logPath
        process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["VIGIL_DATABASE"] = nil
        process.environment = environment
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = monotonicSeconds() + startTimeout
        while (try? realClamdExchange(socket, Array("zPING\0".utf8), timeout: 5)) != Array("PONG\0".utf8) {
            guard process.isRunning else {
                throw RealClamdError(
                    description: "\(name) exited (\(process.terminationStatus)) before answering PING: \(diagnostics)")
            }
            guard monotonicSeconds() < deadline else {
                stop()
                throw RealClamdError(
                    description: "\(name) did not answer PING within \(startTimeout) s: \(diagnostics)")
            }
            usleep(50_000)
        }
    }

    /// Its output and log, for a failure message.
    var diagnostics: String {
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return "\noutput:\n\(output.suffix(2000))\nlog:\n\(log.suffix(2000))"
    }

    /// Waits up to `seconds` for the process to end; its exit status, or `nil` if it still runs.
    func waitForExit(seconds: Double) -> Int32? {
        let deadline = monotonicSeconds() + seconds
        while process.isRunning && monotonicSeconds() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Stops it as an operator would: `zSHUTDOWN`, then SIGTERM, then SIGKILL, each after a few seconds' grace.
    func stop() {
        guard process.isRunning else { return }
        _ = try? realClamdExchange(socket, Array("zSHUTDOWN\0".utf8), timeout: 2)
        if waitForExit(seconds: 10) != nil { return }
        kill(process.processIdentifier, SIGTERM)
        if waitForExit(seconds: 5) != nil { return }
        kill(process.processIdentifier, SIGKILL)
        _ = waitForExit(seconds: 5)
    }

    deinit { stop() }
}

/// The files the client tests scan and the database both daemons load, built in a new temporary directory (EICAR is
/// assembled at run time). `.hdb` and `.ndb` both name EICAR, so a first match and an all-match scan both show
/// whether the daemons agree on which signature reports, and the `.ndb` alone finds a marker in another file.
final class RealClamdTree: @unchecked Sendable {
    let directory: TemporaryDirectory
    /// The directory of files to scan.
    var tree: String { directory.path + "/tree" }
    /// The signature directory (`DatabaseDirectory`).
    var database: String { directory.path + "/db" }
    /// The scanned files, by role.
    let eicar: String, nestedEicar: String, clean: String, empty: String, marker: String

    init() throws {
        directory = try TemporaryDirectory()
        clean = try directory.write("tree/clean.txt", text: "hello, clean world\n")
        try directory.write("tree/noise.bin", TestContent.noise(3000, seed: 7))
        empty = try directory.write("tree/empty.txt", [])
        eicar = try directory.write("tree/eicar.com", TestContent.eicar)
        nestedEicar = try directory.write("tree/nested/eicar.txt", TestContent.eicar)
        try directory.write("tree/nested/clean.txt", text: "nothing to see\n")
        marker = try directory.write("tree/nested/deeper/marker.txt", text: "a VIGIL-CLIENT-TEST-MARKER here\n")
        try directory.write("tree/archive.zip", RawZip.build([.init("inner/eicar.com", TestContent.eicar)]))
        let eicarHash = try RealClamd.md5(TestContent.eicar)
        try directory.write("db/test.hdb", text: "\(eicarHash):\(TestContent.eicar.count):Eicar-Test-Signature\n")
        let hex = { (bytes: [UInt8]) in bytes.map { String(format: "%02x", $0) }.joined() }
        try directory.write(
            "db/test.ndb",
            text: "Eicar-Test-Signature-NDB:0:*:\(hex(Array(TestContent.eicar.prefix(40))))\n"
                + "Vigil-Client-Marker:0:*:\(hex(Array("VIGIL-CLIENT-TEST-MARKER".utf8)))\n")
    }
}

extension RealClamdTree {
    /// Writes EICAR to a file whose name is not UTF-8 (`bad\xFF.com`) in a new directory `odd` beside the tree;
    /// returns the directory and the file's path as bytes.
    func writeNonUTF8Name() throws -> (directory: String, file: [UInt8]) {
        let odd = directory.path + "/odd"
        try FileManager.default.createDirectory(atPath: odd, withIntermediateDirectories: true)
        let name = Array(odd.utf8) + Array("/bad".utf8) + [0xFF] + Array(".com".utf8)
        let fd = (name + [0]).withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY | O_TRUNC, 0o644) }
        }
        guard fd >= 0 else { throw RealClamdError(description: "cannot create a file with a non-UTF-8 name") }
        defer { close(fd) }
        let eicar = TestContent.eicar
        guard eicar.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == eicar.count else {
            throw RealClamdError(description: "cannot write a file with a non-UTF-8 name")
        }
        return (odd, name)
    }
}

/// Real clamd and `vigil serve` on the same database, each on its own UNIX socket in the tree's directory and its own
/// loopback TCP port; ``stop()`` stops both.
final class RealClamdPair: @unchecked Sendable {
    let clamd: RealClamdDaemon
    let vigil: RealClamdDaemon

    /// Starts both with the same settings, and `extra` clamd.conf lines.
    init(_ tree: RealClamdTree, extra: [String] = []) throws {
        let base = tree.directory.path
        func start(_ name: String, _ program: String, _ arguments: (String) -> [String]) throws -> RealClamdDaemon {
            let socket = "\(base)/\(name).sock"
            let log = "\(base)/\(name).log"
            let conf = "\(base)/\(name).conf"
            let port = try RealClamd.freeLoopbackPort()
            let tcp = ["TCPSocket \(port)", "TCPAddr 127.0.0.1"]
            try tree.directory.write(
                "\(name).conf",
                text: RealClamd.configuration(socket: socket, database: tree.database, log: log, extra: tcp + extra))
            return try RealClamdDaemon(
                name: name, program: program, arguments: arguments(conf), socket: socket, tcpPort: port,
                outputPath: "\(base)/\(name).out", logPath: log)
        }
        clamd = try start("clamd", RealClamd.clamd) { ["-c", $0] }
        do {
            vigil = try start("vigil", RealClamd.vigil) { ["serve", "--config", $0, "--foreground"] }
        } catch {
            clamd.stop()
            throw error
        }
    }

    func stop() {
        clamd.stop()
        vigil.stop()
    }
}

/// What may differ between clamd's and Vigil's answers by design: clamd's `.UNOFFICIAL` on names from unsigned
/// databases, the product and version (`ClamAV 1.4.6`, `vigil 0.1.0`), the number of a passed descriptor (each
/// daemon's own), and the daemon's socket path where a client prints it.
func normalisedReply(_ text: String, socket: String? = nil) -> String {
    var text = text.replacingOccurrences(of: ".UNOFFICIAL", with: "")
    for pattern in [#"ClamAV \d+\.\d+\.\d+"#, #"vigil \d+\.\d+\.\d+"#] {
        text = text.replacingOccurrences(of: pattern, with: "<VERSION>", options: .regularExpression)
    }
    text = text.replacingOccurrences(of: #"fd\[\d+\]"#, with: "fd[N]", options: .regularExpression)
    if let socket { text = text.replacingOccurrences(of: socket, with: "<SOCKET>") }
    return text
}
