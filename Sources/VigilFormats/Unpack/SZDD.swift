/// Files compressed by Microsoft's `compress.exe` (SZDD): an LZSS stream with a 4 KiB window that starts
/// filled with spaces, as clamscan's `msexpand` reads it.
public enum SZDD {
    static let magic: [UInt8] = [0x53, 0x5A, 0x44, 0x44, 0x88, 0xF0, 0x27, 0x33]
    static let headerSize = 14

    /// The expanded content, at most `maximumSize` bytes; `nil` if `bytes` is not an SZDD file. The output
    /// ends where the input does when the header's length promises more.
    public static func expand(_ bytes: UnsafeRawBufferPointer, maximumSize: Int) -> ArchiveMember? {
        let reader = ByteReader(bytes)
        guard reader.hasBytes(magic), reader.u8(8) == UInt8(ascii: "A"), let declared = reader.u32le(10) else {
            return nil
        }
        let size = Int(declared)
        let target = min(size, maximumSize)
        var window = [UInt8](repeating: 0x20, count: 4096)
        var position = 4096 - 16
        var output: [UInt8] = []
        output.reserveCapacity(min(target, 16 * bytes.count))
        func emit(_ byte: UInt8) {
            output.append(byte)
            window[position] = byte
            position = (position + 1) & 4095
        }
        var input = headerSize
        decoding: while input < bytes.count, output.count < target {
            let control = bytes[input]
            input += 1
            for bit in 0..<8 {
                guard input < bytes.count, output.count < target else { break decoding }
                if control & (1 << bit) != 0 {
                    emit(bytes[input])
                    input += 1
                    continue
                }
                guard input + 1 < bytes.count else { break decoding }
                let low = bytes[input], high = bytes[input + 1]
                input += 2
                var from = Int(low) | Int(high & 0xF0) << 4
                for _ in 0..<(Int(high & 0x0F) + 3) where output.count < target {
                    emit(window[from])
                    from = (from + 1) & 4095
                }
            }
        }
        return ArchiveMember(name: "", data: output, truncated: size > maximumSize && output.count == target,
            isEncrypted: false, size: size, index: 0)
    }
}
