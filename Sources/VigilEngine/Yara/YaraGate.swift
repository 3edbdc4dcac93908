import VigilFormats
import VigilSignatures

/// A test of a file's header that a rule's condition cannot hold without, such as `uint16(0) == 0x5A4D` in
/// `uint16(0) == 0x5A4D and …`. The scan reads every gate first and leaves out the strings and conditions of
/// the rules whose gate fails, so a file is searched only for the strings of rules that can match it (an ELF
/// file for none of the rules written for PE files).
struct YaraGate: Hashable, Sendable {
    var reader: YaraIntegerReader
    var offset: Int64
    var value: Int64

    /// The gate of a condition: its first conjunct (through nested `and`s) comparing an integer read at a fixed
    /// offset with a constant.
    static func of(_ code: YaraCode) -> YaraGate? {
        switch code {
        case .and(let items):
            for item in items { if let gate = of(item) { return gate } }
            return nil
        case .compareIntegers(.equal, .read(let reader, .integer(let offset)), .integer(let value)),
            .compareIntegers(.equal, .integer(let value), .read(let reader, .integer(let offset))):
            return YaraGate(reader: reader, offset: offset, value: value)
        default:
            return nil
        }
    }

    /// Whether the file passes (false where the read is undefined, as the condition reads it).
    func holds(in data: UnsafeRawBufferPointer) -> Bool { reader.read(data, at: offset) == value }
}

extension YaraIntegerReader {
    /// The integer at `offset` (undefined outside the file), as `uint16(offset)` and the others read it.
    func read(_ data: UnsafeRawBufferPointer, at offset: Int64) -> Int64? {
        guard offset >= 0, offset <= Int64(data.count - width),
            let value = ByteReader(data).integer(at: Int(offset), width: width, bigEndian: bigEndian)
        else { return nil }
        guard signed else { return Int64(value) }
        let shift = UInt64(64 - 8 * width)
        return Int64(bitPattern: value << shift) >> Int64(shift)
    }
}
