/// Compiled AutoIt v3 scripts (`AU3!EA05` and `AU3!EA06`) inside executables, as clamscan's `autoit.c`
/// extracts them: after the marker, file records (magic, encrypted tag and original name, compression flag,
/// sizes, checksum, data); the data is decrypted (EA05: a Mersenne Twister stream; EA06: the "LAME" generator)
/// and, when compressed, expanded by AutoIt's LZSS. Each file, the script included, is a member. EA06 scripts
/// are given as their token stream, not decompiled into text as clamscan does.
public enum AutoIt {
    static let marker: [UInt8] =
        [0xA3, 0x48, 0x4B, 0xBE, 0x98, 0x6C, 0x4A, 0xA9, 0x99, 0x4C, 0x53, 0x0A, 0x86, 0xD6, 0x48, 0x7D]
        + Array("AU3!EA0".utf8)

    /// The per-version constants.
    struct Version: Sendable {
        var fileMagic: UInt32
        var tagKey: UInt32, nameKey: UInt32, sizeKey: UInt32
        var nameSeed: UInt32
        var dataSeed: @Sendable (UInt32) -> UInt32
        var compressedMagic: UInt32
        /// Whether a set bit (EA05) or a clear one (EA06) starts a match.
        var matchBit: Int
        /// UTF-16 tag and name (EA06) or 8-bit (EA05).
        var characterSize: Int
        var decrypt: @Sendable (inout [UInt8], UInt32) -> Void
    }

    static let ea05 = Version(
        fileMagic: 0xCEB0_6DFF, tagKey: 0x29BC, nameKey: 0x29AC, sizeKey: 0x45AA,
        nameSeed: 0xF25E, dataSeed: { 0x22AF &+ $0 }, compressedMagic: 0x3530_4145, matchBit: 1, characterSize: 1,
        decrypt: { MersenneTwister.decrypt(&$0, seed: $1) })
    static let ea06 = Version(
        fileMagic: 0x52CA_436B, tagKey: 0xADBC, nameKey: 0xF820, sizeKey: 0x87BC,
        nameSeed: 0xF479, dataSeed: { _ in 0x2477 }, compressedMagic: 0x3630_4145, matchBit: 0, characterSize: 2,
        decrypt: { LAME.decrypt(&$0, seed: $1) })

    /// Calls `visit` with each file in order, each at most `maximumSize` bytes, until it returns false; `data`
    /// starts at the marker.
    public static func forEachFile(in data: UnsafeRawBufferPointer, maximumSize: Int, _ visit: (ArchiveMember) -> Bool)
    {
        let reader = ByteReader(data)
        guard reader.hasBytes(marker), let versionByte = reader.u8(marker.count), reader.contains(marker.count + 1, 16)
        else { return }
        let version: Version
        switch versionByte {
        case UInt8(ascii: "5"): version = ea05
        case UInt8(ascii: "6"): version = ea06
        default: return
        }
        var base = marker.count + 1
        // EA05 seeds its data key with the sum of the next 16 bytes; EA06 skips them.
        let sum = data[base..<(base + 16)].reduce(UInt32(0)) { $0 &+ UInt32($1) }
        base += 16
        var index = 0
        while reader.u32le(base) == version.fileMagic {
            guard let tag = reader.u32le(base + 4).map({ Int(Int32(bitPattern: $0 ^ version.tagKey)) }), tag >= 0
            else { return }
            base += 8 + tag * version.characterSize
            guard let nameLength = reader.u32le(base).map({ Int(Int32(bitPattern: $0 ^ version.nameKey)) }),
                nameLength >= 0, reader.contains(base + 4, nameLength * version.characterSize)
            else { return }
            var name = Array(data[(base + 4)..<(base + 4 + nameLength * version.characterSize)])
            version.decrypt(&name, UInt32(truncatingIfNeeded: nameLength) &+ version.nameSeed)
            base += 4 + nameLength * version.characterSize
            guard let compressed = reader.u8(base),
                let stored = reader.u32le(base + 1).map({ Int(Int32(bitPattern: $0 ^ version.sizeKey)) }), stored >= 0,
                reader.contains(base, 29)
            else { return }
            base += 29
            guard stored > 0 else { continue }
            guard reader.contains(base, stored) else { return }
            var input = Array(data[base..<(base + stored)])
            base += stored
            let text = version.characterSize == 2 ? utf16Text(name) : String(decoding: name, as: UTF8.self)
            guard stored <= maximumSize else {
                if !visit(
                    ArchiveMember(
                        name: text, data: [], truncated: true, isEncrypted: false, size: stored,
                        index: index))
                {
                    return
                }
                index += 1
                continue
            }
            version.decrypt(&input, version.dataSeed(sum))
            var output = input
            if compressed == 1 {
                guard let expanded = expand(input, version: version, maximumSize: maximumSize) else { continue }
                output = expanded.bytes
                if expanded.truncated {
                    if !visit(
                        ArchiveMember(
                            name: text, data: [], truncated: true, isEncrypted: false,
                            size: expanded.size, index: index))
                    {
                        return
                    }
                    index += 1
                    continue
                }
            }
            guard output.count >= 4 else { continue }
            if !visit(
                ArchiveMember(
                    name: text, data: output, truncated: false, isEncrypted: false, size: output.count,
                    index: index))
            {
                return
            }
            index += 1
        }
    }

    /// AutoIt's LZSS: after the magic and the big-endian size, a flag bit per step: a literal byte, or a
    /// 15-bit distance and a length coded in growing fields. Output up to damage is kept (as clamscan);
    /// `nil` when the magic is wrong.
    static func expand(_ input: [UInt8], version: Version, maximumSize: Int)
        -> (bytes: [UInt8], truncated: Bool, size: Int)?
    {
        input.withUnsafeBytes { raw in
            let reader = ByteReader(raw)
            guard reader.u32le(0) == version.compressedMagic, let declared = reader.u32be(4).map(Int.init) else {
                return nil
            }
            let size = declared == 0 ? input.count : declared
            guard size <= maximumSize else { return ([], true, size) }
            var bits = MSBBitReader(UnsafeRawBufferPointer(rebasing: raw[8...]))
            var output: [UInt8] = []
            output.reserveCapacity(min(size, 1 << 24))
            decoding: while output.count < size, let flag = bits.read(1) {
                guard flag == version.matchBit else {
                    guard let byte = bits.read(8) else { break }
                    output.append(UInt8(byte))
                    continue
                }
                guard let distance = bits.read(15), var length = bits.read(2) else { break }
                var extra = 0
                for (width, next, all) in [(3, 3, 3), (5, 10, 7), (8, 41, 31), (8, 296, 255)] where length == all {
                    guard let value = bits.read(width) else { break decoding }
                    (length, extra) = (value, next)
                }
                if extra == 296 {
                    while length == 255 {
                        guard let value = bits.read(8) else { break decoding }
                        length = value
                        extra += 255
                    }
                }
                length += 3 + extra
                guard distance > 0, distance <= output.count, output.count + length <= size else { break }
                for _ in 0..<length { output.append(output[output.count - distance]) }
            }
            return (output, false, size)
        }
    }

    /// UTF-16LE bytes as text.
    static func utf16Text(_ bytes: [UInt8]) -> String {
        String(
            decoding: stride(from: 0, to: bytes.count - 1, by: 2).map {
                UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8
            },
            as: UTF16.self)
    }
}

/// The Mersenne Twister stream AutoIt EA05 encrypts with (its own output tempering, one byte per number).
enum MersenneTwister {
    static func decrypt(_ bytes: inout [UInt8], seed: UInt32) {
        var state = [UInt32](repeating: 0, count: 624)
        state[0] = seed
        for i in 1..<624 { state[i] = UInt32(i) &+ 0x6C07_8965 &* ((state[i - 1] >> 30) ^ state[i - 1]) }
        var next = 624
        func mix(_ a: UInt32, _ b: UInt32, _ c: UInt32) -> UInt32 {
            ((((a ^ b) & 0x7FFF_FFFE) ^ a) >> 1) ^ ((0 &- (b & 1)) & 0x9908_B0DF) ^ c
        }
        for k in bytes.indices {
            if next == 624 {
                for i in 0..<227 { state[i] = mix(state[i], state[i + 1], state[i + 397]) }
                for i in 227..<623 { state[i] = mix(state[i], state[i + 1], state[i - 227]) }
                state[623] = mix(state[623], state[0], state[396])
                next = 0
            }
            var r = state[next]
            next += 1
            r ^= r >> 11
            r ^= (r & 0xFF3A_58AD) << 7
            r ^= (r & 0xFFFF_DF8C) << 15
            r ^= r >> 18
            bytes[k] ^= UInt8(truncatingIfNeeded: r >> 1)
        }
    }
}

/// The "LAME" generator AutoIt EA06 encrypts with: a lagged Fibonacci sequence of rotated words, read
/// through a double in [0, 1) as clamscan's `LAME_getnext` does.
struct LAME {
    var words = [UInt32](repeating: 0, count: 17)
    var first = 0, second = 10

    init(seed: UInt32) {
        var seed = seed
        for i in 0..<17 {
            seed = 1 &- seed &* 0x53A9_B4FB
            words[i] = seed
        }
        for _ in 0..<9 { _ = next() }
    }

    mutating func next() -> Double {
        let rolled = rotate(words[first], 9) &+ rotate(words[second], 13)
        words[first] = rolled
        first = first == 0 ? 16 : first - 1
        second = second == 0 ? 16 : second - 1
        let bits = UInt64(0x3FF0_0000 | rolled >> 12) << 32 | UInt64(rolled << 20)
        return Double(bitPattern: bits) - 1.0
    }

    mutating func byte() -> UInt8 {
        _ = next()
        let x = next() * 256.0
        return x < 256 ? UInt8(x) : 0xFF
    }

    func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 { value << count | value >> (32 - count) }

    static func decrypt(_ bytes: inout [UInt8], seed: UInt32) {
        var generator = LAME(seed: seed & 0xFFFF)
        for k in bytes.indices { bytes[k] ^= generator.byte() }
    }
}
