import VigilSystem

/// The protocol state machine for the libFuzzer target (`Fuzz/Sources/FuzzServe`): not an API.
@_spi(Fuzzing)
public enum ClamdFuzzing {
    /// Feeds `packets` to one connection as successive reads, with a descriptor (a copy of `descriptor`)
    /// riding on each packet whose index is in `descriptorPackets`; returns the number of actions, after
    /// checking that every reply ends with a terminator.
    public static func feed(
        _ packets: [[UInt8]], streamMaxLength: Int, descriptor: FileDescriptor?, descriptorPackets: Set<Int>
    ) -> Int {
        var connection = ClamdConnection(streamMaxLength: streamMaxLength, allowAllMatchScan: true)
        var count = 0
        for (index, packet) in packets.enumerated() {
            var passed: [FileDescriptor] = []
            if descriptorPackets.contains(index), let descriptor, case .success(let copy) = descriptor.duplicate() {
                passed.append(copy)
            }
            let actions = packet.withUnsafeBytes { connection.receive($0, descriptors: passed) }
            for action in actions {
                count += 1
                switch action {
                case .reply(let bytes): precondition(bytes.last == 0 || bytes.last == 10, "unterminated reply")
                case .dispatch(let job):
                    if case .descriptor(let fd) = job.work { fd.close() }
                    if case .stream(let stream) = job.work { _ = stream.withContents { $0.count } }
                default: break
                }
            }
        }
        return count
    }
}
