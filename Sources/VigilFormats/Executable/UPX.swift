/// Executables packed by UPX with NRV2B, NRV2D, NRV2E or LZMA, as clamscan's `upx.c` unpacks them: a first
/// section with no data on disk (UPX0) that the stub fills from the compressed second section (UPX1), whose
/// start the stub's `mov esi` gives. The image is rebuilt into a PE file as clamscan's `pefromupx` does when the original
/// header is found after the imports; otherwise the image itself is given.
public enum UPX {
    /// The unpacked file of the 32-bit PE file in `data` (rebuilt, or the bare image), at most `maximumSize`
    /// bytes of image; `nil` if it is not UPX-packed with NRV2B, NRV2D, NRV2E or LZMA, or does not unpack.
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
        guard let image = lzma(input, size: nil, maximumSize: capacity) else { return nil }
        return rebuild(
            image, capacity: capacity, stub: stub, entry: Int(entry &- second.address), base: Int(first.address),
            places: [0xB16, 0xB1E]) ?? image
    }

    /// A UPX LZMA stream decoded: two bytes give the properties (`(lc + lp) << 3 | pb`, then `lp << 4 | lc`),
    /// the LZMA data follows; `nil` when the two bytes do not agree, nothing decodes, or the output goes past
    /// `maximumSize`.
    static func lzma(_ input: UnsafeRawBufferPointer, size: Int?, maximumSize: Int) -> [UInt8]? {
        let reader = ByteReader(input)
        guard let first = reader.u8(0).map(Int.init), let second = reader.u8(1).map(Int.init) else { return nil }
        let (lc, lp, pb) = (second & 0xF, second >> 4, first & 7)
        guard first >> 3 == lc + lp,
            let properties = LZMA.properties(lc: lc, lp: lp, pb: pb)
        else { return nil }
        let dictionary = UInt32(clamping: max(1 << 12, min(size ?? maximumSize, maximumSize)))
        guard
            let output = LZMA.decompress(
                UnsafeRawBufferPointer(rebasing: input[2...]), properties: properties, dictionarySize: dictionary,
                size: size, maximumSize: maximumSize), !output.truncated
        else { return nil }
        return output.bytes
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
