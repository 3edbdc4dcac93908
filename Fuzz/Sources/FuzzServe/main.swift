@_spi(Fuzzing) import VigilService
import VigilSystem

/// A descriptor to pass where the input says one rides on a packet.
let passed = try! FileDescriptor.anonymousTemporaryFile(in: "/tmp").get()

/// Feeds arbitrary bytes to clamd's protocol state machine, cut into reads where the input has 0xFF bytes, with
/// a descriptor on every read after an 0xFE byte, and a small StreamMaxLength so quotas are hit; and parses the
/// same bytes as a clamd.conf. No input may trap, hang, or cost more than linear time.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServe(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var packets: [[UInt8]] = []
    var withDescriptor: Set<Int> = []
    for piece in bytes.split(separator: 0xFF, omittingEmptySubsequences: false) {
        if piece.first == 0xFE { withDescriptor.insert(packets.count) }
        packets.append(Array(piece))
    }
    _ = ClamdFuzzing.feed(packets, streamMaxLength: 4096, descriptor: passed, descriptorPackets: withDescriptor)
    _ = try? ClamdConfiguration.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.conf")
    return 0
}
