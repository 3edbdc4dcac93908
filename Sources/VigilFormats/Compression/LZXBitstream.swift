/// Reads LZX's bitstream: 16-bit little-endian words, each read from its most significant bit, loaded only when
/// bits are needed (as libmspack's `lzxd.c` does, so the byte alignment of uncompressed blocks matches it).
///
/// What lies past the end of the input is what libmspack reads there: two zero bytes (its allowance for a code
/// peeked at the very end), then an error; or, as clamscan feeds it a CHM file, the input's last partial 4 KiB
/// chunk again and again (libclamav's `mspack_fmap_read` returns a short read without moving on), up to
/// ``repeatLimit`` bytes so a stream of empty blocks cannot run forever.
struct LZXBitReader {
    /// libmspack's input buffer size in CHM files.
    static let chunkSize = 4096
    /// The most bytes read past the end when repeating the tail.
    static let repeatLimit = 1 << 20

    private let input: UnsafeRawBufferPointer
    /// Whether past the end comes the last partial chunk again, rather than two zero bytes.
    private let repeatsTail: Bool
    /// The next input byte to load.
    private(set) var position = 0
    /// The loaded bits, the next one highest.
    private var buffer: UInt32 = 0
    /// How many bits of `buffer` are loaded.
    private var count = 0

    init(_ input: UnsafeRawBufferPointer, repeatsTail: Bool = false) {
        self.input = input
        self.repeatsTail = repeatsTail
    }

    /// The next input byte, bypassing the bit buffer (uncompressed blocks).
    @inline(__always)
    mutating func nextByte() throws(DecompressionError) -> UInt8 {
        let at = position
        if at < input.count {
            position = at + 1
            return input[at]
        }
        return try byteAfterEnd()
    }

    private mutating func byteAfterEnd() throws(DecompressionError) -> UInt8 {
        let at = position
        let tail = input.count % Self.chunkSize
        if repeatsTail, tail > 0 {
            guard at - input.count < Self.repeatLimit else { throw truncated() }
            position = at + 1
            let whole = input.count - tail
            return input[whole + (at - whole) % tail]
        }
        guard at < input.count + 2 else { throw truncated() }
        position = at + 1
        return 0
    }

    /// Copies the next `count` input bytes, bypassing the bit buffer, to `destination`.
    mutating func copyBytes(_ count: Int, to destination: UnsafeMutablePointer<UInt8>) throws(DecompressionError) {
        let real = max(0, min(count, input.count - position))
        if real > 0, let base = input.baseAddress {
            destination.update(from: base.assumingMemoryBound(to: UInt8.self) + position, count: real)
            position += real
        }
        for index in real..<count { destination[index] = try nextByte() }
    }

    /// Loads 16-bit words until at least `wanted` (at most 17) bits are loaded.
    @inline(__always)
    mutating func ensure(_ wanted: Int) throws(DecompressionError) {
        while count < wanted {
            let low = try nextByte()
            let high = try nextByte()
            buffer |= (UInt32(high) << 8 | UInt32(low)) << UInt32(16 - count)
            count += 16
        }
    }

    /// The next `bits` (1 to 17) bits as a number.
    @inline(__always)
    mutating func read(_ bits: Int) throws(DecompressionError) -> Int {
        try ensure(bits)
        let value = Int(buffer >> UInt32(32 - bits))
        buffer <<= UInt32(bits)
        count -= bits
        return value
    }

    /// The next symbol of `code`.
    @inline(__always)
    mutating func decode(_ code: LZXCode, _ what: StaticString) throws(DecompressionError) -> Int {
        try ensure(16)
        guard let (symbol, length) = code.decode(buffer >> 16) else {
            throw DecompressionError(.corrupt, "invalid LZX \(what) code near input byte \(position)")
        }
        buffer <<= UInt32(length)
        count -= length
        return symbol
    }

    /// Drops the loaded bits before an uncompressed block's header; with none loaded, a whole 16-bit word is
    /// padding ("1 to 16 bits, not 0 to 15").
    mutating func alignForUncompressedBlock() throws(DecompressionError) {
        if count == 0 { try ensure(16) }
        count = 0
        buffer = 0
    }

    /// Drops the padding up to the next 16-bit boundary, as every 32 KiB frame ends.
    mutating func alignToWord() throws(DecompressionError) {
        if count > 0 { try ensure(16) }
        let padding = count & 15
        buffer <<= UInt32(padding)
        count -= padding
    }

    private func truncated() -> DecompressionError {
        DecompressionError(.truncated, "the LZX stream ends early (after \(input.count) bytes)")
    }
}

/// A canonical prefix code of LZX: code lengths 0 to 16, codes read most significant bit first, assigned in the
/// order of length then symbol. It is accepted as libmspack's `make_decode_table` accepts it: the codes must
/// fill the code space exactly, where codes short enough for the one-look-up table that already fill it leave
/// any longer ones unused, and lengths over 16 (left by a length delta wrapping) are ignored. Only the length
/// tree may instead be empty, every length 0 (libmspack's `BUILD_TABLE_MAYBE_EMPTY`): it then decodes nothing.
struct LZXCode {
    /// By the next `tableBits` bits: symbol << 5 | code length, or 0 for a longer code.
    private var table: [UInt32]
    /// The number of codes of each length, 0...16.
    private var counts = [Int](repeating: 0, count: 17)
    /// The coded symbols by length, then by value.
    private var symbols: [UInt16] = []
    private let tableBits: Int

    /// An empty code whose table looks up `tableBits` bits at once.
    init(tableBits: Int) {
        self.tableBits = tableBits
        table = [UInt32](repeating: 0, count: 1 << tableBits)
    }

    /// Rebuilds the code from `lengths`; false if they do not fill the code space, unless `allowEmpty` and they
    /// are all 0.
    mutating func build(_ lengths: ArraySlice<UInt8>, allowEmpty: Bool = false) -> Bool {
        for length in 0...16 { counts[length] = 0 }
        var anyLength = false
        for length in lengths where length != 0 {
            anyLength = true
            if length <= 16 { counts[Int(length)] += 1 }
        }
        var unused = 1
        for length in 1...tableBits {
            unused = unused << 1 - counts[length]
            if unused < 0 { return false }
        }
        if unused == 0 {
            // Short codes fill the table: libmspack stops there, and longer codes are never reached.
            for length in (tableBits + 1)...16 { counts[length] = 0 }
        } else {
            for length in (tableBits + 1)...16 {
                unused = unused << 1 - counts[length]
                if unused < 0 { return false }
            }
        }
        for slot in table.indices { table[slot] = 0 }
        symbols.removeAll(keepingCapacity: true)
        guard unused == 0 else { return allowEmpty && !anyLength }

        var offsets = [Int](repeating: 0, count: 18)
        for length in 1...16 { offsets[length + 1] = offsets[length] + counts[length] }
        symbols = [UInt16](repeating: 0, count: offsets[17])
        for (index, length) in lengths.enumerated() where length != 0 && length <= 16 && counts[Int(length)] != 0 {
            symbols[offsets[Int(length)]] = UInt16(index)
            offsets[Int(length)] += 1
        }
        var code = 0
        var index = 0
        for length in 1...tableBits {
            let span = 1 << (tableBits - length)
            for _ in 0..<counts[length] {
                let entry = UInt32(symbols[index]) << 5 | UInt32(length)
                for slot in (code * span)..<((code + 1) * span) { table[slot] = entry }
                code += 1
                index += 1
            }
            code <<= 1
        }
        return true
    }

    /// The symbol starting `next` (the next 16 bits, first bit highest) and its code length; nil for an empty
    /// code.
    @inline(__always)
    func decode(_ next: UInt32) -> (symbol: Int, length: Int)? {
        let entry = table[Int(next >> UInt32(16 - tableBits))]
        if entry != 0 { return (Int(entry >> 5), Int(entry & 31)) }
        // A code longer than the table: walk the canonical code a bit at a time, first bit highest.
        return canonicalSymbol(counts: counts, symbols: symbols) { Int(next >> UInt32(16 - $0)) & 1 }
    }
}
