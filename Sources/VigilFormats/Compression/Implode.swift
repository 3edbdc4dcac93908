/// Decompresses zip method 6, PKWARE's "implode" (APPNOTE.TXT section 5.3), which libarchive cannot read: LZ77
/// over a 4 or 8 KiB window, with lengths, distances and (optionally) literals coded by Shannon-Fano trees sent
/// at the start of the stream. The stream has no end marker: the zip header's uncompressed size ends it.
public enum Implode {
    /// Decompresses `input` to exactly `min(size, maximumSize)` bytes. When `size` is over `maximumSize` the
    /// output is the first `maximumSize` bytes, without an error: the caller tells a cut member by comparing the
    /// output's length with `size`.
    ///
    /// - Parameters:
    ///   - flags: the zip general-purpose bit flag. Bit 1 selects the 8 KiB window (else 4 KiB); bit 2 says a
    ///     literal tree is present (else literals are raw bytes, and matches start at 2 bytes rather than 3).
    ///   - size: the uncompressed size from the zip header.
    ///   - maximumSize: the most bytes to produce.
    /// - Throws: ``DecompressionError``: the trees are invalid, or the input ends before `size` bytes.
    public static func decompress(_ input: UnsafeRawBufferPointer, flags: UInt16, size: Int, maximumSize: Int)
        throws(DecompressionError) -> [UInt8]
    {
        var exploder = Exploder(input, flags: flags, outputSize: max(0, min(size, maximumSize)))
        try exploder.run()
        return exploder.output
    }
}

private struct Exploder {
    var bits: LSBBitReader
    var output: [UInt8] = []
    let outputSize: Int
    let distanceLowBits: Int
    let hasLiteralTree: Bool

    init(_ input: UnsafeRawBufferPointer, flags: UInt16, outputSize: Int) {
        bits = LSBBitReader(input)
        self.outputSize = outputSize
        distanceLowBits = flags & 2 != 0 ? 7 : 6
        hasLiteralTree = flags & 4 != 0
        output.reserveCapacity(min(outputSize, 1 << 24))
    }

    mutating func run() throws(DecompressionError) {
        let literals: PrefixCode? = if hasLiteralTree { try readTree(symbolCount: 256, "literal") } else { nil }
        let lengths = try readTree(symbolCount: 64, "length")
        let distances = try readTree(symbolCount: 64, "distance")
        let minimumLength = hasLiteralTree ? 3 : 2
        while output.count < outputSize {
            if try bits.read(1) == 1 {
                let literal = if let literals { try bits.decode(literals, "literal") } else { try bits.read(8) }
                output.append(UInt8(truncatingIfNeeded: literal))
                continue
            }
            let low = try bits.read(distanceLowBits)
            let distance = (try bits.decode(distances, "distance")) << distanceLowBits + low + 1
            let lengthCode = try bits.decode(lengths, "length")
            var length = lengthCode + minimumLength
            if lengthCode == 63 { length += try bits.read(8) }
            // Bytes before the start of the output read as zeros, as in info-zip's explode (its window starts
            // zeroed); the last match may run past the header's size, which ends the output.
            var from = output.count - distance
            for _ in 0..<min(length, outputSize - output.count) {
                output.append(from >= 0 ? output[from] : 0)
                from += 1
            }
        }
    }

    /// A tree sent as run-length-coded bit lengths: a byte holding the number of bytes that follow minus 1, then
    /// per byte, `count - 1` in the high nibble and `length - 1` in the low one.
    mutating func readTree(symbolCount: Int, _ name: String) throws(DecompressionError) -> PrefixCode {
        let byteCount = try bits.read(8) + 1
        var lengths: [UInt8] = []
        for _ in 0..<byteCount {
            let byte = try bits.read(8)
            let count = (byte >> 4) + 1
            guard count <= symbolCount - lengths.count else {
                throw corrupt("the \(name) tree has more than \(symbolCount) lengths")
            }
            lengths += repeatElement(UInt8((byte & 15) + 1), count: count)
        }
        guard lengths.count == symbolCount else {
            throw corrupt("the \(name) tree has \(lengths.count) of \(symbolCount) lengths")
        }
        // info-zip refuses incomplete trees too (`huft_build` returning 1).
        guard let code = PrefixCode(lengths: lengths, inverted: true, requiresComplete: true) else {
            throw corrupt("the \(name) tree's lengths are not a complete prefix code")
        }
        return code
    }

    func corrupt(_ what: String) -> DecompressionError {
        DecompressionError(.corrupt, "\(what) at input byte \(bits.position)")
    }
}
