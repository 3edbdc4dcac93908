/// Reads a byte stream as bits, least significant bit of each byte first (the order of deflate and implode).
/// The per-symbol methods are `@inline(__always)`: that doubles the decoders' speed.
struct LSBBitReader {
    private let input: UnsafeRawBufferPointer
    /// The next input byte to load into `buffer`.
    private var next = 0
    private var buffer: UInt64 = 0
    private var available = 0

    init(_ input: UnsafeRawBufferPointer) { self.input = input }

    /// The number of input bytes consumed, a partly read byte included.
    var position: Int { next - available / 8 }

    /// The next `count` (at most 32) bits as a number.
    @inline(__always)
    mutating func read(_ count: Int) throws(DecompressionError) -> Int {
        let value = peek(count)
        try skip(count)
        return Int(value)
    }

    /// The next symbol of `code`; `what` names the code in the error for bits that are no code of it.
    @inline(__always)
    mutating func decode(_ code: PrefixCode, _ what: String) throws(DecompressionError) -> Int {
        guard let (symbol, length) = code.decode(peek(16)) else {
            throw DecompressionError(.corrupt, "invalid \(what) code at input byte \(position)")
        }
        try skip(length)
        return symbol
    }

    /// Drops the bits up to the next byte boundary.
    mutating func alignToByte() {
        buffer >>= UInt64(available % 8)
        available -= available % 8
    }

    /// The next `count` bytes, read directly from the input; call ``alignToByte()`` first.
    mutating func alignedBytes(_ count: Int) throws(DecompressionError) -> Slice<UnsafeRawBufferPointer> {
        // The whole bytes still buffered go back to the input.
        next -= available / 8
        buffer = 0
        available = 0
        guard count <= input.count - next else { throw truncated() }
        defer { next += count }
        return input[next..<(next + count)]
    }

    /// The next `count` (at most 32) bits without consuming them; bits past the end of the input read as 0.
    @inline(__always)
    private mutating func peek(_ count: Int) -> UInt32 {
        if available < count { refill() }
        return UInt32(truncatingIfNeeded: buffer & ((1 << UInt64(count)) - 1))
    }

    @inline(__always)
    private mutating func skip(_ count: Int) throws(DecompressionError) {
        if available < count { refill() }
        guard count <= available else { throw truncated() }
        buffer >>= UInt64(count)
        available -= count
    }

    private mutating func refill() {
        while available <= 56, next < input.count {
            buffer |= UInt64(input[next]) << UInt64(available)
            next += 1
            available += 8
        }
    }

    private func truncated() -> DecompressionError {
        DecompressionError(.truncated, "the compressed stream ends early (after \(input.count) bytes)")
    }
}

/// A canonical prefix code of at most 16-bit codes, given by each symbol's code length (0 for unused): deflate's
/// Huffman codes, and implode's Shannon-Fano codes, which for a complete code are the same codes with every bit
/// inverted (APPNOTE.TXT 5.3.7; info-zip's explode decodes `~b` with inflate's tables). Codes up to
/// `tableBits` long decode with one table look-up, longer ones bit by bit (as zlib's `puff.c` does).
struct PrefixCode {
    static let tableBits = 9
    /// By the next `tableBits` bits of input: the symbol << 4 | its code length, or 0 for a longer code.
    private var table = [UInt16](repeating: 0, count: 1 << tableBits)
    /// The number of codes of each length, 0...16.
    private var counts = [Int](repeating: 0, count: 17)
    /// The used symbols by code length, then by value: the canonical order.
    private var symbols: [UInt16] = []
    private let inverted: Bool

    /// The code, or `nil` if the lengths over-subscribe the code space, or leave part of it unused where
    /// `requiresComplete` (otherwise, as in zlib, only a code with no symbol or one 1-bit code may be incomplete).
    init?(lengths: some Collection<UInt8>, inverted: Bool = false, requiresComplete: Bool) {
        self.inverted = inverted
        for length in lengths {
            guard length <= 16 else { return nil }
            counts[Int(length)] += 1
        }
        var unused = 1
        var longest = 0
        for length in 1...16 {
            unused = unused << 1 - counts[length]
            guard unused >= 0 else { return nil }
            if counts[length] > 0 { longest = length }
        }
        guard unused == 0 || (!requiresComplete && longest <= 1) else { return nil }

        var offsets = [Int](repeating: 0, count: 17)
        for length in 1..<16 { offsets[length + 1] = offsets[length] + counts[length] }
        symbols = [UInt16](repeating: 0, count: offsets[16] + counts[16])
        for (symbol, length) in lengths.enumerated() where length > 0 {
            symbols[offsets[Int(length)]] = UInt16(symbol)
            offsets[Int(length)] += 1
        }

        var code = 0
        var index = 0
        for length in 1...Self.tableBits {
            for _ in 0..<counts[length] {
                // The table is indexed by the bits in input order: the code reversed, first bit lowest.
                var reversed = 0
                for bit in 0..<length { reversed |= (code >> bit & 1) << (length - 1 - bit) }
                for slot in stride(from: reversed, to: table.count, by: 1 << length) {
                    table[slot] = symbols[index] << 4 | UInt16(length)
                }
                code += 1
                index += 1
            }
            code <<= 1
        }
    }

    /// The symbol starting `next` (the next 16 bits of input, first bit lowest) and its code length, or `nil` if
    /// no code matches.
    @inline(__always)
    func decode(_ next: UInt32) -> (symbol: Int, length: Int)? {
        let bits = inverted ? ~next : next
        let entry = table[Int(bits & (1 << Self.tableBits - 1))]
        if entry != 0 { return (Int(entry >> 4), Int(entry & 15)) }
        return canonicalSymbol(counts: counts, symbols: symbols) { Int(bits >> UInt32($0 - 1) & 1) }
    }
}

/// The symbol of a canonical prefix code read a bit at a time, for codes longer than a lookup table (zlib's
/// `puff.c`): `bit(length)` is the code's bit at that length. `first` is the first code of each length;
/// codes never fall below it (the lengths do not over-subscribe), so `index + code - first` stays in
/// `symbols`. `nil` when no code of up to 16 bits matches.
@inline(__always)
func canonicalSymbol(counts: [Int], symbols: [UInt16], bit: (Int) -> Int) -> (symbol: Int, length: Int)? {
    var code = 0
    var first = 0
    var index = 0
    for length in 1...16 {
        code |= bit(length)
        let count = counts[length]
        if code - first < count { return (Int(symbols[index + code - first]), length) }
        index += count
        first = (first + count) << 1
        code <<= 1
    }
    return nil
}
