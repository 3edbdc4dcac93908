import Foundation
import Testing
import VigilSystem
import VigilTestSupport

@testable import VigilService

/// A server started in the test process on a UNIX socket in the test's own directory, with the built-in
/// database (EICAR), stopped at the end.
final class RunningServer: @unchecked Sendable {
    let directory: TemporaryDirectory
    let socket: String
    let server: ClamdServer
    let service: ScanService
    private var thread: OwnThread?

    init(_ adjust: (inout ClamdConfiguration) -> Void = { _ in }, databasePaths: [String] = []) throws {
        // A client writing to a connection the server stopped reading gets EPIPE, not a signal that ends the tests.
        signal(SIGPIPE, SIG_IGN)
        directory = try TemporaryDirectory()
        socket = directory.path + "/clamd.sock"
        var configuration = ClamdConfiguration()
        configuration.localSocket = socket
        configuration.maxThreads = 2
        adjust(&configuration)
        server = try ClamdServer(configuration: configuration, log: .silent)
        try server.bind()
        service = try ScanService(databasePaths: databasePaths)
        let (server, service) = (self.server, self.service)
        thread = OwnThread.start { server.run(service: service) }
    }

    func stop() {
        server.requestShutdown()
        thread?.join()
        thread = nil
    }

    deinit { stop() }

    /// Sends `bytes` on a new connection and reads the reply until the server closes (or `timeout`).
    func exchange(_ bytes: [UInt8], timeout: Double = 5, halfClose: Bool = false) throws -> String {
        let fd = try FileDescriptor.connectUnix(path: socket).get()
        defer { fd.close() }
        fd.setTimeout(seconds: timeout)
        _ = bytes.withUnsafeBytes { fd.writeAll($0) }
        if halfClose { fd.shutdownWrite() }
        return readAll(fd)
    }
}

func readAll(_ fd: FileDescriptor) -> String {
    var reply: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while case .success(let n) = buffer.withUnsafeMutableBytes({ fd.read(into: $0) }), n > 0 {
        reply += buffer[0..<n]
    }
    return String(decoding: reply, as: UTF8.self)
}

func chunked(_ payload: [UInt8], size: Int = 1000) -> [UInt8] {
    var out: [UInt8] = []
    var offset = 0
    while offset < payload.count {
        let n = min(size, payload.count - offset)
        out += [UInt8(n >> 24 & 255), UInt8(n >> 16 & 255), UInt8(n >> 8 & 255), UInt8(n & 255)]
        out += payload[offset..<(offset + n)]
        offset += n
    }
    return out + [0, 0, 0, 0]
}

@Suite(.serialized) struct ClamdServerTests {
    @Test func answersPingVersionAndStreams() throws {
        let server = try RunningServer()
        #expect(try server.exchange(Array("zPING\0".utf8)) == "PONG\0")
        #expect(try server.exchange(Array("nVERSION\n".utf8)) == "vigil 0.1.0\n")
        #expect(
            try server.exchange(Array("zINSTREAM\0".utf8) + chunked(TestContent.eicar))
                == "stream: Eicar-Test-Signature FOUND\0")
        #expect(
            try server.exchange(Array("zINSTREAM\0".utf8) + chunked(TestContent.noise(5000, seed: 1))) == "stream: OK\0"
        )
        let stats = try server.exchange(Array("zSTATS\0".utf8))
        // How many threads are idle depends on whether the last scan's thread has finished its bookkeeping.
        #expect(stats.hasPrefix("POOLS: 1\n\nSTATE: VALID PRIMARY\nTHREADS: live 2  idle "))
        #expect(stats.contains(" max 2 idle-timeout 30\nQUEUE: 0 items\n"))
        #expect(stats.hasSuffix("\nEND\0"))
    }

    /// A stream over 1 MiB is kept in an unnamed file in TemporaryDirectory: found there when the directory exists,
    /// an error naming the failure when it does not. Streams in a row reuse memory and give the same verdicts.
    @Test func largeStreamsGoToTemporaryDirectory() throws {
        let marker = Array("VIGIL-LARGE-STREAM-MARKER".utf8)
        let databases = try TemporaryDirectory()
        try databases.write(
            "marker.ndb", text: "Large-Marker:0:*:\(marker.map { String(format: "%02x", $0) }.joined())\n")
        // The marker past 1 MiB: in the part that went to the file.
        let large = TestContent.noise(3 << 20, seed: 7) + marker
        let server = try RunningServer(databasePaths: [databases.path])
        for _ in 0..<3 {
            #expect(
                try server.exchange(Array("zINSTREAM\0".utf8) + chunked(large, size: 1 << 16))
                    == "stream: Large-Marker FOUND\0")
            #expect(
                try server.exchange(Array("zINSTREAM\0".utf8) + chunked(TestContent.noise(2 << 20, seed: 3)))
                    == "stream: OK\0")
        }
        let missing = try RunningServer { $0.temporaryDirectory = "/nonexistent/vigil-temporary" }
        #expect(
            try missing.exchange(Array("zINSTREAM\0".utf8) + chunked(large, size: 1 << 16))
                == "Error writing to temporary file: No such file or directory. ERROR\0")
    }

    @Test func scansPathsAndDescriptors() throws {
        let server = try RunningServer()
        let dir = server.directory
        let infected = try dir.write("tree/a/infected.txt", TestContent.eicar)
        try dir.write("tree/clean.txt", text: "hello")
        try dir.write("tree/b/also.txt", TestContent.eicar)
        #expect(try server.exchange(Array("SCAN \(infected)\n".utf8)) == "\(infected): Eicar-Test-Signature FOUND\n")
        let contscan = try server.exchange(Array("zCONTSCAN \(dir.path)/tree/\0".utf8))
        #expect(contscan.split(separator: "\0").count == 2 && !contscan.contains("OK"))
        #expect(
            try server.exchange(Array("zSCAN \(dir.path)/tree/clean.txt\0".utf8)) == "\(dir.path)/tree/clean.txt: OK\0")
        #expect(
            try server.exchange(Array("zSCAN \(dir.path)/none\0".utf8))
                == "\(dir.path)/none: File path check failure: No such file or directory. ERROR\0")
        let multiscan = try server.exchange(Array("zMULTISCAN \(dir.path)/tree\0".utf8))
        #expect(Set(multiscan.split(separator: "\0")).count == 2)

        // FILDES: the command, then the descriptor on a one-byte message.
        let fd = try FileDescriptor.connectUnix(path: server.socket).get()
        defer { fd.close() }
        fd.setTimeout(seconds: 5)
        _ = Array("zFILDES\0".utf8).withUnsafeBytes { fd.writeAll($0) }
        let file = try FileDescriptor.openForReading(infected).get()
        _ = [UInt8(0)].withUnsafeBytes { fd.send($0, passing: file) }
        file.close()
        let reply = readAll(fd)
        #expect(reply.hasPrefix("fd[") && reply.hasSuffix("]: Eicar-Test-Signature FOUND\0"))
    }

    @Test func sessionsAnswerEveryCommandWithItsNumber() throws {
        let server = try RunningServer()
        var request = Array("zIDSESSION\0zPING\0zINSTREAM\0".utf8) + chunked(TestContent.eicar)
        request += Array("zINSTREAM\0".utf8) + chunked(Array("clean".utf8)) + Array("zVERSION\0zEND\0".utf8)
        let replies = Set(try server.exchange(request).split(separator: "\0").map(String.init))
        #expect(replies == ["1: PONG", "2: stream: Eicar-Test-Signature FOUND", "3: stream: OK", "4: vigil 0.1.0"])
    }

    @Test func limitsTimeoutsAndHostileClientsAffectNoOneElse() throws {
        let server = try RunningServer { c in
            c.streamMaxLength = 4096
            c.commandReadTimeout = 1
            c.readTimeout = 1
        }
        #expect(
            try server.exchange(Array("zINSTREAM\0".utf8) + chunked(TestContent.noise(5000, seed: 2)))
                == "INSTREAM size limit exceeded. ERROR\0")
        // Silent, half-sent and garbage clients, and a crowd of idle connections, all at once.
        var idle: [FileDescriptor] = []
        for _ in 0..<200 { idle.append(try FileDescriptor.connectUnix(path: server.socket).get()) }
        let stalled = try FileDescriptor.connectUnix(path: server.socket).get()
        _ = (Array("zINSTREAM\0".utf8) + [0, 0, 1, 0, 1, 2, 3]).withUnsafeBytes { stalled.writeAll($0) }
        let vanished = try FileDescriptor.connectUnix(path: server.socket).get()
        _ = (Array("zINSTREAM\0".utf8) + [0, 0, 1, 0]).withUnsafeBytes { vanished.writeAll($0) }
        vanished.close()
        #expect(try server.exchange(TestContent.noise(3000, seed: 3)).hasPrefix("UNKNOWN COMMAND"))
        #expect(try server.exchange(Array("zPING\0".utf8)) == "PONG\0")
        // The stalled stream is closed after ReadTimeout, the idle ones after CommandReadTimeout.
        stalled.setTimeout(seconds: 5)
        let start = monotonicSeconds()
        #expect(readAll(stalled) == "")
        #expect(monotonicSeconds() - start < 4)
        idle[0].setTimeout(seconds: 5)
        #expect(readAll(idle[0]) == "")
        (idle + [stalled]).forEach { $0.close() }
        #expect(try server.exchange(Array("zPING\0".utf8)) == "PONG\0")
    }

    @Test func reloadSwapsTheDatabaseAndAFailedOneKeepsTheOld() throws {
        let databases = try TemporaryDirectory()
        try databases.write("test.ndb", text: "Hello-Sig:0:*:68656c6c6f\n")
        let server = try RunningServer({ $0.selfCheck = 1 }, databasePaths: [databases.path])
        let hello = Array("zINSTREAM\0".utf8) + chunked(Array("hello world".utf8))
        #expect(try server.exchange(hello) == "stream: Hello-Sig FOUND\0")
        try databases.write("test.ndb", text: "World-Sig:0:*:776f726c64\n")
        #expect(try server.exchange(Array("zRELOAD\0".utf8)) == "RELOADING\0")
        try waitUntil { try server.exchange(hello) == "stream: World-Sig FOUND\0" }
        // A broken database: the reload fails and World-Sig keeps serving.
        try databases.write("test.ndb", text: "Broken:0:*:zz\n")
        let failures = server.service.metrics.snapshot.failedReloads
        server.server.requestReload()
        try waitUntil { server.service.metrics.snapshot.failedReloads > failures }
        #expect(try server.exchange(hello) == "stream: World-Sig FOUND\0")
        // SelfCheck notices a change without being asked.
        try databases.write("test.ndb", text: "Hello-Sig:0:*:68656c6c6f\n#\n")
        try waitUntil(seconds: 10) { try server.exchange(hello) == "stream: Hello-Sig FOUND\0" }
    }

    @Test func shutdownStopsListeningAndRemovesTheSocket() throws {
        let server = try RunningServer()
        let fd = try FileDescriptor.connectUnix(path: server.socket).get()
        defer { fd.close() }
        fd.setTimeout(seconds: 5)
        _ = Array("zIDSESSION\0zPING\0".utf8).withUnsafeBytes { fd.writeAll($0) }
        #expect(try server.exchange(Array("zSHUTDOWN\0".utf8)) == "")
        server.stop()
        #expect(readAll(fd) == "1: PONG\0")
        #expect(!FileManager.default.fileExists(atPath: server.socket))
    }
}

/// Polls `condition` every 50 ms until it holds or `seconds` pass.
func waitUntil(seconds: Double = 5, _ condition: () throws -> Bool) throws {
    let deadline = monotonicSeconds() + seconds
    while monotonicSeconds() < deadline {
        if try condition() { return }
        usleep(50_000)
    }
    Issue.record("condition not met within \(seconds) s")
}
