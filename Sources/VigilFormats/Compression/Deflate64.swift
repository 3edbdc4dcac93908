/// Decompresses zip method 9, PKWARE's "Enhanced Deflate" (Deflate64), which zlib and libarchive cannot read:
/// RFC 1951 deflate with a 64 KiB window, distance codes 30 and 31 (14 extra bits, up to 65536 back), and
/// length code 285 meaning 3 plus 16 extra bits instead of 258. The output never grows past the caller's
/// maximum, so a small hostile input cannot make Vigil allocate without bound.
public enum Deflate64 {
    /// Decompresses one stream from the start of `input`, up to its final block; bytes after it are not read.
    ///
    /// - Parameter maximumSize: the most bytes the output may hold; one byte more is an error.
    /// - Throws: ``DecompressionError``: corrupt or truncated input, or output over `maximumSize`.
    public static func decompress(_ input: UnsafeRawBufferPointer, maximumSize: Int)
        throws(DecompressionError) -> [UInt8]
    {
        var inflater = Deflate64Inflater(input, maximumSize: maximumSize)
        try inflater.run()
        return inflater.output
    }
}

private struct Deflate64Inflater {
    var bits: LSBBitReader
    var output: [UInt8] = []
    let maximumSize: Int

    init(_ input: UnsafeRawBufferPointer, maximumSize: Int) {
        bits = LSBBitReader(input)
        self.maximumSize = maximumSize
        output.reserveCapacity(max(0, min(maximumSize, min(input.count, 1 << 22) * 4, 1 << 24)))
    }

    mutating func run() throws(DecompressionError) {
        var isFinal = false
        while !isFinal {
            isFinal = try bits.read(1) == 1
            switch try bits.read(2) {
            case 0: try copyStoredBlock()
            case 1: try inflateBlock(literals: Self.fixedLiterals, distances: Self.fixedDistances)
            case 2:
                let (literals, distances) = try readDynamicCodes()
                try inflateBlock(literals: literals, distances: distances)
            default: throw corrupt("reserved block type 3")
            }
        }
    }

    mutating func copyStoredBlock() throws(DecompressionError) {
        bits.alignToByte()
        let length = try bits.read(16)
        let complement = try bits.read(16)
        guard length ^ complement == 0xFFFF else {
            throw corrupt("stored block length \(length) does not match its complement \(complement)")
        }
        let bytes = try bits.alignedBytes(length)
        try makeRoom(for: length)
        output.append(contentsOf: bytes)
    }

    mutating func inflateBlock(literals: PrefixCode, distances: PrefixCode) throws(DecompressionError) {
        while true {
            let symbol = try bits.decode(literals, "literal/length")
            if symbol < 256 {
                try makeRoom(for: 1)
                output.append(UInt8(truncatingIfNeeded: symbol))
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < Self.lengthBases.count else { throw corrupt("invalid length symbol \(symbol)") }
            let length = Self.lengthBases[lengthIndex] + (try bits.read(Self.lengthExtraBits[lengthIndex]))
            // At most 32 distance codes exist (5-bit count), and all 32 are valid in Deflate64.
            let distanceIndex = try bits.decode(distances, "distance")
            let distance = Self.distanceBases[distanceIndex] + (try bits.read(Self.distanceExtraBits[distanceIndex]))
            guard distance <= output.count else { throw corrupt("invalid distance \(distance)") }
            try makeRoom(for: length)
            var from = output.count - distance
            for _ in 0..<length {
                output.append(output[from])
                from += 1
            }
        }
    }

    mutating func readDynamicCodes() throws(DecompressionError) -> (literals: PrefixCode, distances: PrefixCode) {
        let literalCount = try bits.read(5) + 257
        let distanceCount = try bits.read(5) + 1
        let codeLengthCount = try bits.read(4) + 4
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for index in Self.codeLengthOrder.prefix(codeLengthCount) {
            codeLengthLengths[index] = UInt8(try bits.read(3))
        }
        guard let codeLengthCode = PrefixCode(lengths: codeLengthLengths, requiresComplete: true) else {
            throw corrupt("invalid code length code")
        }
        let total = literalCount + distanceCount
        var lengths: [UInt8] = []
        lengths.reserveCapacity(total)
        while lengths.count < total {
            let symbol = try bits.decode(codeLengthCode, "code length")
            let value: UInt8
            let count: Int
            switch symbol {
            case 0..<16: (value, count) = (UInt8(symbol), 1)
            case 16:
                guard let previous = lengths.last else { throw corrupt("a repeated code length has no predecessor") }
                (value, count) = (previous, 3 + (try bits.read(2)))
            case 17: (value, count) = (0, 3 + (try bits.read(3)))
            default: (value, count) = (0, 11 + (try bits.read(7)))
            }
            guard count <= total - lengths.count else { throw corrupt("code lengths run past \(total) codes") }
            lengths += repeatElement(value, count: count)
        }
        guard lengths[256] != 0 else { throw corrupt("the literal/length code has no end-of-block code") }
        guard let literals = PrefixCode(lengths: lengths[..<literalCount], requiresComplete: false) else {
            throw corrupt("invalid literal/length code")
        }
        guard let distances = PrefixCode(lengths: lengths[literalCount...], requiresComplete: false) else {
            throw corrupt("invalid distance code")
        }
        return (literals, distances)
    }

    func makeRoom(for count: Int) throws(DecompressionError) {
        guard count <= maximumSize - output.count else {
            throw DecompressionError(
                .outputLimitExceeded, "the decompressed data is larger than the limit of \(maximumSize) bytes")
        }
    }

    func corrupt(_ what: String) -> DecompressionError {
        DecompressionError(.corrupt, "\(what) at output byte \(output.count) (input byte \(bits.position))")
    }

    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    static let lengthBases = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        3,  // 285: deflate's 258, here 3 plus 16 extra bits
    ]
    static let lengthExtraBits = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 16,
    ]
    static let distanceBases = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577, 32769, 49153,
    ]
    static let distanceExtraBits = (0..<32).map { max(0, $0 / 2 - 1) }
    // Valid by construction: RFC 1951 section 3.2.6, with all 32 distance codes.
    static let fixedLiterals = PrefixCode(
        lengths: [UInt8](repeating: 8, count: 144) + [UInt8](repeating: 9, count: 112)
            + [UInt8](repeating: 7, count: 24) + [UInt8](repeating: 8, count: 8), requiresComplete: true)!
    static let fixedDistances = PrefixCode(lengths: [UInt8](repeating: 5, count: 32), requiresComplete: true)!
}
