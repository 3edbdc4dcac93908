extension UPX {
    /// The magic of UPX's `l_info`, "UPX!".
    static let magic: UInt32 = 0x2158_5055

    /// The file a UPX-packed ELF executable (little-endian, 32 or 64-bit) was packed from, as UPX's own
    /// `upx -d` lays it out: after the program headers come `l_info` ("UPX!"), `p_info` (the original
    /// size and the block size), then blocks, each a `b_info` (sizes, method, filter) and its data, up to one
    /// of no size. Each block is unpacked (NRV2B, NRV2D, NRV2E with 32-bit, 16-bit or byte-wide bit
    /// buffers, or LZMA) or stored, and the blocks are joined; at most `maximumSize` bytes. UPX's code filters
    /// (call and jump targets made absolute) are not undone. `nil` when the file is not UPX-packed or its
    /// first block does not unpack.
    public static func unpackELF(_ data: UnsafeRawBufferPointer, maximumSize: Int) -> [UInt8]? {
        let reader = ByteReader(data)
        guard reader.u32le(0) == 0x464C_457F, reader.u8(5) == 1, let elfClass = reader.u8(4) else { return nil }
        let programHeaders: (offset: UInt64?, size: UInt16?, count: UInt16?) =
            switch elfClass {
            case 1: (reader.u32le(0x1C).map(UInt64.init), reader.u16le(0x2A), reader.u16le(0x2C))
            case 2: (reader.u64le(0x20), reader.u16le(0x36), reader.u16le(0x38))
            default: (nil, nil, nil)
            }
        guard let offset = programHeaders.offset, let size = programHeaders.size, let count = programHeaders.count,
            offset < UInt64(data.count)
        else { return nil }
        let info = Int(offset) + Int(size) * Int(count)
        guard reader.u32le(info + 4) == magic, let blockSize = reader.u32le(info + 20).map(Int.init) else {
            return nil
        }
        var output: [UInt8] = []
        var position = info + 24
        while output.count < maximumSize, let unpacked = reader.u32le(position).map(Int.init),
            let packed = reader.u32le(position + 4).map(Int.init), let method = reader.u8(position + 8),
            unpacked > 0, packed <= unpacked, unpacked <= max(blockSize, 1 << 16),
            reader.contains(position + 12, packed)
        {
            let input = UnsafeRawBufferPointer(rebasing: data[(position + 12)..<(position + 12 + packed)])
            let room = maximumSize - output.count
            let block: [UInt8]?
            if packed == unpacked {
                block = Array(input.prefix(room))
            } else {
                block = decompressBlock(input, method: method, size: unpacked, maximumSize: min(room, unpacked))
            }
            guard let block else { break }
            output += block
            position += 12 + packed
        }
        return output.isEmpty ? nil : output
    }

    /// One block of a UPX-packed ELF file, by UPX's method number: 2–4 NRV2B, 5–7 NRV2D, 8–10 NRV2E (with
    /// 32-bit, byte-wide and 16-bit bit buffers in turn), 14 LZMA.
    static func decompressBlock(_ input: UnsafeRawBufferPointer, method: UInt8, size: Int, maximumSize: Int)
        -> [UInt8]?
    {
        let variants: [NRV2.Variant] = [.b, .d, .e]
        switch method {
        case 2...10:
            let variant = variants[Int(method - 2) / 3]
            let wordSize = [4, 1, 2][Int(method - 2) % 3]
            return NRV2.decompress(input, variant: variant, wordSize: wordSize, maximumSize: maximumSize)
        case 14:
            return lzma(input, size: size, maximumSize: maximumSize)
        default:
            return nil
        }
    }
}
