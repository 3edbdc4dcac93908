/// Executables packed by UPX with NRV2B, as clamscan's `upx.c` unpacks them: a first section with no data
/// on disk (UPX0) that the stub fills from the compressed second section (UPX1), whose start the stub's
/// `mov esi` gives. The unpacked image is what the stub would write, from UPX0's start.
public enum UPX {
    /// The unpacked image of the 32-bit PE file in `data`, at most `maximumSize` bytes; `nil` if it is not
    /// UPX-packed with NRV2B or does not unpack.
    public static func unpack(_ data: UnsafeRawBufferPointer, maximumSize: Int) -> [UInt8]? {
        let reader = ByteReader(data)
        guard reader.u16le(0) == 0x5A4D, let header = reader.u32le(0x3C).map(Int.init), reader.u32le(header) == 0x4550,
            reader.u16le(header + 24) == 0x10B, let count = reader.u16le(header + 6), count >= 2,
            let optionalSize = reader.u16le(header + 20).map(Int.init), let entry = reader.u32le(header + 40),
            let imageBase = reader.u32le(header + 52)
        else { return nil }
        let table = header + 24 + optionalSize
        func section(_ k: Int) -> (virtualSize: Int, address: UInt32, rawSize: Int, rawOffset: Int)? {
            let at = table + 40 * k
            guard let virtualSize = reader.u32le(at + 8), let address = reader.u32le(at + 12),
                let rawSize = reader.u32le(at + 16), let rawOffset = reader.u32le(at + 20)
            else { return nil }
            return (Int(virtualSize), address, Int(rawSize), Int(rawOffset))
        }
        guard let first = section(0), let second = section(1), first.rawSize == 0, second.rawSize > 0,
            reader.contains(second.rawOffset, second.rawSize)
        else { return nil }
        // The stub: pusha; mov esi, SOURCE; lea edi, [esi + DISTANCE]. A source past UPX1's start skews it.
        var skew = 0
        let entryOffset = second.rawOffset + Int(entry &- second.address)
        if entry >= second.address, reader.u8(entryOffset) == 0x60, reader.u8(entryOffset + 1) == 0xBE,
            let source = reader.u32le(entryOffset + 2)
        {
            let distance = Int(Int64(source) - Int64(imageBase) - Int64(second.address))
            if distance > 0, distance <= 0xFFF { skew = distance }
        }
        let input = UnsafeRawBufferPointer(
            rebasing: data[(second.rawOffset + skew)..<(second.rawOffset + second.rawSize)])
        return NRV2B.decompress(input, maximumSize: min(maximumSize, first.virtualSize + second.virtualSize))
    }
}

/// UCL's NRV2B decompression (UPX's default): literal bytes and matches coded by bits read most significant
/// first from little-endian 32-bit words, ending at an offset of 0xFFFFFFFF.
enum NRV2B {
    /// The output, at most `maximumSize` bytes; `nil` when the stream is damaged before its end marker.
    static func decompress(_ input: UnsafeRawBufferPointer, maximumSize: Int) -> [UInt8]? {
        var bits = WordBits(input: input)
        var output: [UInt8] = []
        output.reserveCapacity(min(maximumSize, input.count * 8, 1 << 24))
        var lastOffset = 1
        while true {
            while true {
                guard let bit = bits.next() else { return nil }
                if bit == 0 { break }
                guard let byte = bits.byte(), output.count < maximumSize else { return nil }
                output.append(byte)
            }
            var offset: UInt32 = 1
            repeat {
                guard let bit = bits.next() else { return nil }
                offset = offset &* 2 &+ bit
                guard offset <= 0x100_0002 else { return nil }  // the end marker's prefix is the largest
            } while bits.next().map({ $0 == 0 }) ?? false
            if offset == 2 {
                offset = UInt32(lastOffset)
            } else {
                guard let byte = bits.byte() else { return nil }
                offset = (offset &- 3) &* 256 &+ UInt32(byte)
                if offset == 0xFFFF_FFFF { return output }
                offset += 1
                lastOffset = Int(offset)
            }
            guard let high = bits.next(), let low = bits.next() else { return nil }
            var length = Int(high * 2 + low)
            if length == 0 {
                length = 1
                repeat {
                    guard let bit = bits.next(), length < 1 << 24 else { return nil }
                    length = length * 2 + Int(bit)
                } while bits.next().map({ $0 == 0 }) ?? false
                length += 2
            }
            length += offset > 0xD00 ? 1 : 0
            let distance = Int(offset)
            guard distance <= output.count, output.count + length + 1 <= maximumSize else { return nil }
            for _ in 0...length { output.append(output[output.count - distance]) }
        }
    }

    /// Bits from little-endian 32-bit words, most significant first, interleaved with whole bytes.
    struct WordBits {
        let input: UnsafeRawBufferPointer
        var position = 0
        var word: UInt32 = 0
        var left = 0

        mutating func next() -> UInt32? {
            if left == 0 {
                guard let value = ByteReader(input).u32le(position) else { return nil }
                word = value
                position += 4
                left = 32
            }
            left -= 1
            return word >> UInt32(left) & 1
        }

        mutating func byte() -> UInt8? {
            guard position < input.count else { return nil }
            defer { position += 1 }
            return input[position]
        }
    }
}
