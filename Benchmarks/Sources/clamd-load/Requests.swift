/// The bytes a client sends, framed once before the run so a scan costs the server work and the client a
/// `send`: `zINSTREAM\0`, chunks (4-byte big-endian length, bytes), and the zero-length end chunk.
struct Requests: @unchecked Sendable {
    /// The INSTREAM request carrying the clean payload.
    let clean: [UInt8]
    /// The INSTREAM request carrying the EICAR test string.
    let eicar: [UInt8]
    /// The payload's size, for MiB/s.
    let payloadSize: Int
    /// Where a request's payload begins: after `zINSTREAM\0` and the first chunk's length.
    static let payloadOffset = 10 + 4

    /// `zIDSESSION\0`: opens a session; commands after it are answered `N: reply\0`, numbered from 1.
    static let openSession = Array("zIDSESSION\0".utf8)
    /// `zEND\0`: ends a session; the server closes the connection.
    static let endSession = Array("zEND\0".utf8)

    /// Frames a payload of `size` deterministic clean bytes and the EICAR string in chunks of `chunk` bytes.
    init(size: Int, chunk: Int) {
        payloadSize = size
        clean = Self.instream(Self.payload(size: size), chunk: chunk)
        eicar = Self.instream(Self.eicarString, chunk: chunk)
    }

    /// `zINSTREAM\0`, then `payload` in chunks of at most `chunk` bytes, then `\0\0\0\0`.
    static func instream(_ payload: [UInt8], chunk: Int) -> [UInt8] {
        var bytes = Array("zINSTREAM\0".utf8)
        bytes.reserveCapacity(bytes.count + payload.count + 4 * (payload.count / chunk + 2))
        var start = 0
        while start < payload.count {
            let end = min(start + chunk, payload.count)
            appendLength(end - start, to: &bytes)
            bytes += payload[start..<end]
            start = end
        }
        appendLength(0, to: &bytes)
        return bytes
    }

    private static func appendLength(_ length: Int, to bytes: inout [UInt8]) {
        let value = UInt32(length)
        bytes += [
            UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
            UInt8(truncatingIfNeeded: value),
        ]
    }

    /// `size` pseudo-random bytes, the same every run (xorshift64*, fixed seed): no signature matches them and
    /// they compress as badly as real traffic.
    static func payload(size: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<size).map { _ in
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return UInt8(truncatingIfNeeded: (state &* 0x2545_F491_4F6C_DD1D) >> 56)
        }
    }

    /// The 68-byte EICAR anti-virus test file, assembled here so this source is not itself a test file.
    static let eicarString: [UInt8] = {
        let parts = ["X5O!P%@AP[4\\PZX54(P^)7CC)7}$", "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"]
        return Array(parts.joined().utf8)
    }()
}
