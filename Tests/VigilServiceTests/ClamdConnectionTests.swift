import Testing
import VigilSystem

@testable import VigilService

/// The protocol state machine alone: bytes in, actions out, as clamd 1.4 frames and answers them.
@Suite struct ClamdConnectionTests {
    private func feed(_ packets: [[UInt8]], streamMaxLength: Int = 1 << 20) -> (ClamdConnection, [ClamdAction]) {
        var connection = ClamdConnection(streamMaxLength: streamMaxLength, allowAllMatchScan: true)
        var actions: [ClamdAction] = []
        for packet in packets { actions += packet.withUnsafeBytes { connection.receive($0, descriptors: []) } }
        return (connection, actions)
    }

    private func replies(_ actions: [ClamdAction]) -> [String] {
        actions.compactMap { if case .reply(let b) = $0 { String(decoding: b, as: UTF8.self) } else { nil } }
    }

    private func chunk(_ bytes: [UInt8]) -> [UInt8] {
        let n = UInt32(bytes.count)
        return [UInt8(n >> 24), UInt8(n >> 16 & 255), UInt8(n >> 8 & 255), UInt8(n & 255)] + bytes
    }

    @Test func framesEachPrefixWithItsTerminator() {
        #expect(replies(feed([Array("zPING\0".utf8)]).1) == ["PONG\0"])
        #expect(replies(feed([Array("nPING\r\n".utf8)]).1) == ["PONG\n"])
        #expect(replies(feed([Array("PING".utf8)]).1) == ["PONG\n"])
        #expect(replies(feed([Array("PING\0".utf8)]).1) == ["PONG\n"])
        // One command per connection outside a session.
        #expect(replies(feed([Array("zPING\0zPING\0".utf8)]).1) == ["PONG\0"])
        // A command split across reads waits for its terminator.
        #expect(replies(feed([Array("zPI".utf8), Array("NG\0".utf8)]).1) == ["PONG\0"])
    }

    @Test func unknownAndMalformedCommands() {
        for text in ["zping\0", "zPINGX\0", "zPING \0", "zVERSION extra\0", "zSCAN\0", "zEND\0", "\n", "STATS\n"] {
            let expected = text.hasPrefix("z") ? "UNKNOWN COMMAND\0" : "UNKNOWN COMMAND\n"
            #expect(replies(feed([Array(text.utf8)]).1) == [expected], "\(text)")
        }
        // Commands clamd accepts only with a prefix.
        for command in ["VERSIONCOMMANDS", "INSTREAM", "IDSESSION", "ALLMATCHSCAN /x"] {
            #expect(replies(feed([Array((command + "\n").utf8)]).1) == ["UNKNOWN COMMAND\n"])
        }
        // A prefixed command that never ends is refused once it is longer than any path.
        let long = feed([[UInt8(ascii: "z")] + [UInt8](repeating: 65, count: ClamdConnection.maximumCommandLength + 10)]
        )
        #expect(long.0.phase == .finished)
    }

    @Test func pathCommandsSkipOneByteAfterTheirName() throws {
        let (_, actions) = feed([Array("zSCANX/tmp/a\0".utf8)])
        guard case .dispatch(let job) = try #require(actions.first), case .path(let command, let path) = job.work else {
            Issue.record("expected a dispatched scan")
            return
        }
        #expect(command == .scan && path == "/tmp/a")
        var disabled = ClamdConnection(streamMaxLength: 10, allowAllMatchScan: false)
        let refused = Array("zALLMATCHSCAN /x\0".utf8).withUnsafeBytes { disabled.receive($0, descriptors: []) }
        #expect(replies(refused) == ["/x: ALLMATCHSCAN command disabled by clamd configuration. ERROR\0"])
    }

    @Test func sessionsNumberEveryCommandAndRefuseOthers() {
        let (connection, actions) = feed([Array("zIDSESSION\0zPING\0nPING\nzRELOAD\0zPING\0".utf8)])
        #expect(replies(actions) == ["1: PONG\0", "2: PONG\n", "3: Command invalid inside IDSESSION. ERROR\0"])
        #expect(connection.phase == .finished)
        let ended = feed([Array("zIDSESSION\0zPING\0zEND\0".utf8)])
        #expect(replies(ended.1) == ["1: PONG\0"] && ended.0.phase == .finished)
        // Unprefixed text inside a session never parses: the connection waits (IdleTimeout closes it).
        let stalled = feed([Array("zIDSESSION\0".utf8), Array("PING\n".utf8)])
        #expect(replies(stalled.1).isEmpty && stalled.0.phase == .awaitingCommand)
    }

    @Test func instreamChunksWithinTheQuota() throws {
        let payload = TestBytes.noise(3000)
        var packets = [Array("zINSTREAM\0".utf8)]
        let whole = chunk(Array(payload[0..<1000])) + chunk(Array(payload[1000...])) + [0, 0, 0, 0]
        // Delivered a byte at a time: chunk headers and data split anywhere.
        packets += whole.map { [$0] }
        let (connection, actions) = feed(packets, streamMaxLength: 3000)
        #expect(connection.phase == .finished)
        guard case .dispatch(let job) = try #require(actions.last), case .stream(let stream) = job.work else {
            Issue.record("expected a stream job")
            return
        }
        let received = try stream.withContents { Array($0) }.get()
        #expect(received == payload)
        // Over the quota, counted over all chunks, as the chunk's header arrives.
        let over = feed(
            [Array("zINSTREAM\0".utf8) + chunk(Array(payload[0..<2000])) + [0, 0, 4, 0]], streamMaxLength: 3000)
        #expect(replies(over.1) == ["INSTREAM size limit exceeded. ERROR\0"])
        let huge = feed([Array("zINSTREAM\0".utf8) + [255, 255, 255, 255]], streamMaxLength: 100 << 20)
        #expect(replies(huge.1) == ["INSTREAM size limit exceeded. ERROR\0"])
    }

    @Test func largeStreamsSpillToATemporaryFile() throws {
        let payload = TestBytes.noise(StreamBuffer.memoryLimit + 12345)
        let (_, actions) = feed([Array("zINSTREAM\0".utf8) + chunk(payload) + [0, 0, 0, 0]], streamMaxLength: 8 << 20)
        guard case .dispatch(let job) = try #require(actions.last), case .stream(let stream) = job.work else {
            Issue.record("expected a stream job")
            return
        }
        #expect(try stream.withContents { Array($0) }.get() == payload)
    }

    @Test func descriptorsBelongAfterFILDES() throws {
        let file = try FileDescriptor.anonymousTemporaryFile(in: "/tmp").get()
        var connection = ClamdConnection(streamMaxLength: 10, allowAllMatchScan: true)
        // The command and the one-byte message carrying the descriptor, returned by one read.
        let actions = Array("zFILDES\0\0".utf8).withUnsafeBytes { connection.receive($0, descriptors: [file]) }
        guard case .dispatch(let job) = try #require(actions.first), case .descriptor(let fd) = job.work else {
            Issue.record("expected a descriptor job")
            return
        }
        #expect(fd == file)
        fd.close()
        // A descriptor on the command's own bytes, and a FILDES whose next message carries none.
        let stray = try FileDescriptor.anonymousTemporaryFile(in: "/tmp").get()
        var early = ClamdConnection(streamMaxLength: 10, allowAllMatchScan: true)
        let refused = Array("zFILDES\0".utf8).withUnsafeBytes { early.receive($0, descriptors: [stray]) }
        #expect(
            replies(refused) == [
                "PROTOCOL ERROR: ancillary data sent without FILDES. ERROR\0", "Error processing command. ERROR\0",
            ])
        #expect(replies(feed([Array("zFILDES\0x".utf8)]).1) == ["No file descriptor received. ERROR\0"])
    }
}

enum TestBytes {
    static func noise(_ count: Int) -> [UInt8] {
        var state: UInt64 = 0x1234_5678
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }
}
