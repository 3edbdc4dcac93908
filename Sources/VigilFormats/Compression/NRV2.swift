/// UCL's NRV2B, NRV2D and NRV2E decompression (UPX's methods), as clamscan's `upx_inflate2b/2d/2e`: literal
/// bytes and matches coded by bits read most significant first from little-endian 32-bit words, ending at
/// an offset of 0xFFFFFFFF.
enum NRV2 {
    /// The three codings: how offsets and lengths are sent.
    enum Variant: CaseIterable {
        case b, d, e

        /// Where clamscan looks for the stub's `lea edi, [esi + imports]`, after the entry point.
        var importsPlaces: [Int] {
            switch self {
            case .b: [0x108, 0x110, 0xD5]
            case .d: [0x11C, 0x124]
            case .e: [0x128, 0x130]
            }
        }

        /// Offsets beyond this copy one byte more.
        var farOffset: Int { self == .b ? 0xD00 : 0x500 }
    }

    /// The output, at most `maximumSize` bytes; `nil` when the stream is damaged before its end marker. UPX
    /// reads the bits from 32-bit words on PE files, and for some targets from bytes or 16-bit words
    /// (`wordSize` 1 or 2).
    static func decompress(
        _ input: UnsafeRawBufferPointer, variant: Variant, wordSize: Int = 4, maximumSize: Int
    ) -> [UInt8]? {
        var bits = WordBits(input: input, size: wordSize)
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
            // The offset's high part: Elias-gamma-like, NRV2D and NRV2E with a bit more per step.
            var high = 1
            while true {
                guard let bit = bits.next(), let stop = bits.next(), high <= 0x100_0002 else { return nil }
                high = high * 2 + Int(bit)
                if stop == 1 { break }
                guard variant != .b else { continue }
                guard let more = bits.next() else { return nil }
                high = (high - 1) * 2 + Int(more)
            }
            var flag: Int
            if high == 2 {
                guard let bit = bits.next() else { return nil }
                flag = Int(bit)
            } else {
                guard let byte = bits.byte() else { return nil }
                let value = (high - 3) * 256 + Int(byte)
                if value == 0xFFFF_FFFF { return output }
                guard value < 0xFFFF_FFFF else { return nil }
                if variant == .b {
                    lastOffset = value + 1
                    guard let bit = bits.next() else { return nil }
                    flag = Int(bit)
                } else {
                    // The offset's lowest bit, inverted, is the length's first bit.
                    flag = 1 - value & 1
                    lastOffset = value / 2 + 1
                }
            }
            guard let length = matchLength(&bits, variant: variant, flag: flag) else { return nil }
            let count = length + (lastOffset > variant.farOffset ? 1 : 0)
            guard lastOffset <= output.count, output.count + count <= maximumSize else { return nil }
            for _ in 0..<count { output.append(output[output.count - lastOffset]) }
        }
    }

    /// How many bytes a match copies (before the far-offset byte), from its first bit `flag` on.
    static func matchLength(_ bits: inout WordBits, variant: Variant, flag: Int) -> Int? {
        func gamma(from start: Int) -> Int? {
            var value = start
            repeat {
                guard let bit = bits.next(), value < 1 << 24 else { return nil }
                value = value * 2 + Int(bit)
            } while bits.next().map({ $0 == 0 }) ?? false
            return value
        }
        switch variant {
        case .b, .d:
            guard let bit = bits.next() else { return nil }
            let code = flag * 2 + Int(bit)
            if code > 0 { return code + 1 }
            return gamma(from: 1).map { $0 + 3 }
        case .e:
            if flag == 1 { return bits.next().map { Int($0) + 2 } }
            guard let bit = bits.next() else { return nil }
            if bit == 1 { return bits.next().map { Int($0) + 4 } }
            return gamma(from: 1).map { $0 + 4 }
        }
    }

    /// Bits from little-endian words of `size` bytes (1, 2 or 4), most significant first, interleaved with
    /// whole bytes.
    struct WordBits {
        let input: UnsafeRawBufferPointer
        let size: Int
        var position = 0
        var word: UInt32 = 0
        var left = 0

        init(input: UnsafeRawBufferPointer, size: Int = 4) {
            self.input = input
            self.size = size
        }

        mutating func next() -> UInt32? {
            if left == 0 {
                let reader = ByteReader(input)
                let value: UInt32? =
                    switch size {
                    case 1: reader.u8(position).map(UInt32.init)
                    case 2: reader.u16le(position).map(UInt32.init)
                    default: reader.u32le(position)
                    }
                guard let value else { return nil }
                word = value
                position += size
                left = 8 * size
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
