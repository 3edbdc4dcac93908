/// VBA projects inside OLE2 files ([MS-OVBA]): the `dir` stream, once decompressed, lists the modules and
/// where each one's compressed source starts in its stream; the source is scanned as text, as clamscan's
/// `vba_extract.c` scans it.
enum VBAProject {
    /// A module of the project: its stream's name and where its compressed source starts.
    struct Module: Equatable {
        var streamName: String
        var offset: Int
    }

    /// The modules a decompressed `dir` stream lists (records: identifier, size, data; a module ends with
    /// record 0x002B).
    static func modules(inDirectory directory: [UInt8]) -> [Module] {
        directory.withUnsafeBytes { raw in
            let reader = ByteReader(raw)
            var modules: [Module] = []
            var name: String?
            var offset = 0
            var position = 0
            while let identifier = reader.u16le(position), let size = reader.u32le(position + 2).map(Int.init) {
                let start = position + 6
                // PROJECTVERSION's size field says 4 but 6 bytes follow.
                let length = identifier == 0x0009 ? 6 : size
                guard reader.contains(start, length) else { break }
                switch identifier {
                case 0x001A:
                    name = String(
                        decoding: UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)]), as: UTF8.self)
                case 0x0031 where length == 4:
                    offset = Int(reader.u32le(start) ?? 0)
                case 0x002B:
                    if let streamName = name { modules.append(Module(streamName: streamName, offset: offset)) }
                    name = nil
                    offset = 0
                default: break
                }
                position = start + length
            }
            return modules
        }
    }

    /// Decompresses an [MS-OVBA] 2.4.1 compressed container (a signature byte 1, then chunks of at most
    /// 4096 bytes, each raw or a sequence of literals and copy tokens), at most `maximumSize` bytes; `nil` if
    /// `data` does not start with the signature.
    static func decompress(_ data: UnsafeRawBufferPointer, maximumSize: Int) -> [UInt8]? {
        guard data.first == 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(min(maximumSize, data.count * 8, 1 << 24))
        var position = 1
        let reader = ByteReader(data)
        while let header = reader.u16le(position), output.count < maximumSize {
            let chunkEnd = min(position + 2 + Int(header & 0x0FFF) + 1, data.count)
            position += 2
            let chunkStart = output.count
            guard header & 0x8000 != 0 else {
                // A raw chunk: 4096 bytes as they are.
                let end = min(position + 4096, data.count)
                output += data[position..<end].prefix(maximumSize - output.count)
                position = end
                continue
            }
            while position < chunkEnd, output.count < maximumSize {
                let flags = data[position]
                position += 1
                for bit in 0..<8 where position < chunkEnd && output.count < maximumSize {
                    guard flags & (1 << bit) != 0 else {
                        output.append(data[position])
                        position += 1
                        continue
                    }
                    guard let token = reader.u16le(position).map(Int.init) else { return output }
                    position += 2
                    let decompressed = output.count - chunkStart
                    var bitCount = 4
                    while (1 << bitCount) < decompressed { bitCount += 1 }
                    bitCount = min(bitCount, 12)
                    let length = (token & (0xFFFF >> bitCount)) + 3
                    let distance = (token >> (16 - bitCount)) + 1
                    guard distance <= decompressed else { return output }
                    for _ in 0..<min(length, maximumSize - output.count) {
                        output.append(output[output.count - distance])
                    }
                }
            }
            position = chunkEnd
        }
        return output
    }
}
