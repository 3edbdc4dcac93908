/// Executables packed by UPX with NRV2B, NRV2D or NRV2E, as clamscan's `upx.c` unpacks them: a first section with no data
/// on disk (UPX0) that the stub fills from the compressed second section (UPX1), whose start the stub's
/// `mov esi` gives. The image is rebuilt into a PE file as clamscan's `pefromupx` does when the original
/// header is found after the imports; otherwise the image itself is given.
public enum UPX {
    /// The unpacked file of the 32-bit PE file in `data` (rebuilt, or the bare image), at most `maximumSize`
    /// bytes of image; `nil` if it is not UPX-packed with NRV2B, NRV2D or NRV2E, or does not unpack.
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
        let capacity = min(maximumSize, first.virtualSize + second.virtualSize)
        let stub = UnsafeRawBufferPointer(rebasing: data[second.rawOffset..<(second.rawOffset + second.rawSize)])
        for variant in NRV2.Variant.allCases {
            guard let image = NRV2.decompress(input, variant: variant, maximumSize: capacity) else { continue }
            return rebuild(
                image, capacity: capacity, stub: stub, entry: Int(entry &- second.address),
                base: Int(first.address), places: variant.importsPlaces) ?? image
        }
        return nil
    }

    /// The PE file clamscan's `pefromupx` rebuilds from an unpacked image: the stub's `lea edi, [esi + imports]`
    /// (at one of the method's known places) locates the imports, the original PE header follows them, and each
    /// of its sections is laid out at its aligned address as raw data after a DOS header; `nil` when the
    /// header is not found (clamscan then crafts a header of its own, which Vigil does not).
    static func rebuild(
        _ image: [UInt8], capacity: Int, stub: UnsafeRawBufferPointer, entry: Int, base: Int,
        places: [Int]
    ) -> [UInt8]? {
        let code = ByteReader(stub)
        guard
            let place = places.first(where: {
                code.u8(entry + $0 - 2) == 0x8D && code.u8(entry + $0 - 1) == 0xBE && code.contains(entry + $0, 4)
            }), let imports = code.u32le(entry + place).map(Int.init), imports < capacity
        else { return nil }
        var buffer = image + [UInt8](repeating: 0, count: max(0, capacity - image.count))
        return buffer.withUnsafeMutableBytes { raw -> [UInt8]? in
            let reader = ByteReader(UnsafeRawBufferPointer(raw))
            // Past the import descriptors (a word, a word, then NUL-terminated names until an empty one).
            var header = imports
            while reader.contains(header, 8), reader.u32le(header) != 0 {
                header += 8
                while let byte = reader.u8(header), byte != 0 {
                    header += 1
                    while let byte = reader.u8(header), byte != 0 { header += 1 }
                    header += 1
                }
                header += 1
            }
            header += 4
            guard reader.contains(header, 0xF8), reader.u32le(header) == 0x4550,
                let alignment = reader.u32le(header + 0x38).map(Int.init), alignment > 0,
                let count = reader.u16le(header + 6).map(Int.init), count > 0,
                reader.contains(header + 0xF8, 0x28 * count)
            else { return nil }
            var offset = align(0xD0 + 0xF8 + 0x28 * count, up: alignment)
            var copies: [(from: Int, to: Int, size: Int)] = []
            for k in 0..<count {
                let entry = header + 0xF8 + 0x28 * k
                let size = align(Int(reader.u32le(entry + 8) ?? 0), up: alignment)
                let address = Int(reader.u32le(entry + 12) ?? 0) / alignment * alignment
                guard address >= base, address - base + size <= imports, offset + size <= capacity + 8192 else {
                    return nil
                }
                for (field, value) in [(8, size), (12, address), (16, size), (20, offset)] {
                    raw.storeBytes(
                        of: UInt32(truncatingIfNeeded: value).littleEndian, toByteOffset: entry + field,
                        as: UInt32.self)
                }
                copies.append((address - base, offset, size))
                offset += size
            }
            raw.storeBytes(of: UInt32(0x4D41_4C43).littleEndian, toByteOffset: header + 8, as: UInt32.self)
            raw.storeBytes(of: UInt32(alignment).littleEndian, toByteOffset: header + 0x3C, as: UInt32.self)
            var file = [UInt8](repeating: 0, count: offset)
            file[0] = 0x4D
            file[1] = 0x5A
            file[0x3C] = 0xD0
            file.replaceSubrange(
                0xD0..<(0xD0 + 0xF8 + 0x28 * count), with: raw[header..<(header + 0xF8 + 0x28 * count)])
            for copy in copies {
                file.replaceSubrange(copy.to..<(copy.to + copy.size), with: raw[copy.from..<(copy.from + copy.size)])
            }
            return file
        }
    }

    static func align(_ value: Int, up alignment: Int) -> Int { (value + alignment - 1) / alignment * alignment }
}

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

    /// The output, at most `maximumSize` bytes; `nil` when the stream is damaged before its end marker.
    static func decompress(_ input: UnsafeRawBufferPointer, variant: Variant, maximumSize: Int) -> [UInt8]? {
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
