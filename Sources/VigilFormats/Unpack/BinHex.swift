/// BinHex 4.0 (`.hqx`) files: six-bit text, run-length encoded, holding a Macintosh file's data and resource
/// forks, decoded as clamscan's `cli_binhex` decodes them (the data fork, then the resource fork).
public enum BinHex {
    static let alphabet = Array("!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr".utf8)
    /// Each text byte's six-bit value, or 0xFF.
    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(value) }
        return table
    }()
    static let banner = Array("(This file must be converted with BinHex".utf8)

    /// The forks of a BinHex file (the data fork named after the file it holds, then a non-empty resource
    /// fork), each at most `maximumSize` bytes; empty if `bytes` is not BinHex or its header is damaged.
    public static func decode(_ bytes: UnsafeRawBufferPointer, maximumSize: Int) -> [ArchiveMember] {
        guard ByteReader(bytes).hasBytes(banner), let start = bytes[banner.count...].firstIndex(of: UInt8(ascii: ":"))
        else { return [] }
        var stream = Decoder(bytes: bytes, index: start + 1)
        // Header: name length, name, version, type, creator, flags, data and resource lengths, CRC.
        guard let nameLength = stream.next() else { return [] }
        var name: [UInt8] = []
        for _ in 0..<Int(nameLength) {
            guard let byte = stream.next() else { return [] }
            name.append(byte)
        }
        guard stream.skip(1 + 4 + 4 + 2), let dataLength = stream.bigEndian32(), let resourceLength = stream.bigEndian32(),
            stream.skip(2)
        else { return [] }
        var members: [ArchiveMember] = []
        let text = String(decoding: name, as: UTF8.self)
        for (index, length) in [Int(dataLength), Int(resourceLength)].enumerated() {
            if index == 1 { guard length > 0, stream.skip(2) else { break } }
            var data: [UInt8] = []
            data.reserveCapacity(min(length, maximumSize, 64 * bytes.count))
            while data.count < min(length, maximumSize), let byte = stream.next() { data.append(byte) }
            // Skip what lies past the limit, so that the resource fork is found.
            if length > data.count { _ = stream.skip(length - data.count) }
            members.append(ArchiveMember(name: index == 0 ? text : text + " (resource fork)", data: data,
                truncated: length > maximumSize, isEncrypted: false, size: length, index: index))
        }
        return members
    }

    /// The decoded bytes: six-bit characters (white space ignored, `:` ends the data) with `0x90` runs.
    struct Decoder {
        let bytes: UnsafeRawBufferPointer
        var index: Int
        var bits: UInt32 = 0
        var bitCount = 0
        var ended = false
        var previous: UInt8 = 0
        var repeats = 0

        /// The next raw byte before run-length decoding.
        mutating func raw() -> UInt8? {
            while bitCount < 8 {
                guard !ended, index < bytes.count else { return nil }
                let c = bytes[index]
                index += 1
                if c == UInt8(ascii: ":") {
                    ended = true
                    return nil
                }
                let value = BinHex.values[Int(c)]
                if value == 0xFF { continue }  // line breaks and other white space
                bits = bits << 6 | UInt32(value)
                bitCount += 6
            }
            bitCount -= 8
            return UInt8(truncatingIfNeeded: bits >> UInt32(bitCount))
        }

        /// The next decoded byte.
        mutating func next() -> UInt8? {
            if repeats > 0 {
                repeats -= 1
                return previous
            }
            guard let byte = raw() else { return nil }
            guard byte == 0x90 else {
                previous = byte
                return byte
            }
            guard let count = raw() else { return nil }
            if count == 0 {
                previous = 0x90
                return 0x90
            }
            // `previous` is repeated `count` times in all, once already.
            guard count > 1 else { return next() }
            repeats = Int(count) - 2
            return previous
        }

        mutating func skip(_ count: Int) -> Bool {
            for _ in 0..<count where next() == nil { return false }
            return true
        }

        mutating func bigEndian32() -> UInt32? {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = next() else { return nil }
                value = value << 8 | UInt32(byte)
            }
            return value
        }
    }
}
