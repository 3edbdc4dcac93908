/// Decompresses LZX, Microsoft's LZ77 + Huffman method of CAB folders and of CHM files' `MSCompressed` section,
/// as libmspack's `lzxd.c` (which clamscan uses) does: a window of 2^15 to 2^21 bytes; 32 KiB frames, after each
/// of which the bitstream re-aligns to 16 bits; every `resetInterval` frames a reset of the trees, the repeated
/// offsets and the E8 header; verbatim, aligned-offset and uncompressed blocks; E8 call translation. The output
/// never grows past the caller's maximum, so a small hostile stream cannot make Vigil allocate without bound.
public enum LZX {
    /// Decompresses the `outputSize` bytes of the stream at the start of `input`, appending them to `output` a
    /// frame at a time: on a throw, `output` keeps every whole frame decoded before the damage.
    ///
    /// - Parameters:
    ///   - windowBits: the window size as a power of two, 15 to 21.
    ///   - resetInterval: the frames between resets, 0 for none (CAB folders).
    ///   - maximumSize: the most bytes to decode; a larger `outputSize` is an error after that many bytes.
    /// - Throws: ``DecompressionError``: corrupt or truncated input, or `outputSize` over `maximumSize`.
    public static func decompress(
        _ input: UnsafeRawBufferPointer, windowBits: Int, resetInterval: Int, outputSize: Int, maximumSize: Int,
        into output: inout [UInt8]
    ) throws(DecompressionError) {
        guard outputSize >= 0 else { throw DecompressionError(.corrupt, "negative LZX output size \(outputSize)") }
        let wanted = min(outputSize, max(0, maximumSize))
        // The frames decoded are bounded by the bytes wanted, so the decoder needs no budget of its own.
        let decoder = try LZXDecoder(
            input, windowBits: windowBits, resetInterval: resetInterval, length: outputSize, budget: .max)
        output.reserveCapacity(output.count + min(wanted, 1 << 24))
        try decoder.decompress(wanted) { output.append(contentsOf: $0) }
        if outputSize > wanted {
            throw DecompressionError(
                .outputLimitExceeded, "LZX output of \(outputSize) bytes exceeds the limit of \(maximumSize)")
        }
    }

    /// Decompresses the `outputSize` bytes of the stream at the start of `input`.
    ///
    /// - Throws: ``DecompressionError``, as ``decompress(_:windowBits:resetInterval:outputSize:maximumSize:into:)``.
    public static func decompress(
        _ input: UnsafeRawBufferPointer, windowBits: Int, resetInterval: Int, outputSize: Int, maximumSize: Int
    ) throws(DecompressionError) -> [UInt8] {
        var output: [UInt8] = []
        try decompress(
            input, windowBits: windowBits, resetInterval: resetInterval, outputSize: outputSize,
            maximumSize: maximumSize, into: &output)
        return output
    }
}
