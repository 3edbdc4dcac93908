/// Encoders for the zip methods Vigil decodes itself, so tests build their streams: Deflate64 (method 9) and
/// implode (method 6). They need only be correct: matches are found greedily, against the previous byte and the
/// last place the next 3 bytes were seen.
public enum ZipMethodEncoders {
    /// One step of an LZ77 stream.
    public enum Token: Sendable, Equatable {
        /// A byte as is.
        case literal(UInt8)
        /// `length` bytes copied from `distance` bytes back.
        case match(length: Int, distance: Int)
    }

    /// How a Deflate64 block codes its data.
    public enum BlockType: Sendable {
        /// Raw bytes.
        case stored
        /// RFC 1951's fixed codes, with all 32 distance codes.
        case fixed
        /// Codes sent in the block header (every symbol coded: literals 9 bits, lengths 6, distances 5).
        case dynamic
    }

    /// A Deflate64 stream of `content`, cut into blocks of `blockSize` bytes typed by `types` in turn. Matches
    /// reach 65536 bytes back and run up to 65538 bytes (distance codes 30 and 31, length code 285).
    public static func deflate64(_ content: [UInt8], types: [BlockType], blockSize: Int = 1 << 16) -> [UInt8] {
        var writer = LSBBitWriter()
        var finder = MatchFinder(content, window: 65536, minimumLength: 3, maximumLength: 65538)
        var start = 0
        var blockIndex = 0
        repeat {
            let type = types[blockIndex % types.count]
            let end = min(content.count, start + (type == .stored ? min(blockSize, 65535) : blockSize))
            writer.write(end == content.count ? 1 : 0, bits: 1)
            if type == .stored {
                writer.write(0, bits: 2)
                writer.alignToByte()
                writer.write(end - start, bits: 16)
                writer.write(0xFFFF ^ (end - start), bits: 16)
                for position in start..<end {
                    finder.record(position)
                    writer.write(Int(content[position]), bits: 8)
                }
            } else {
                writeCodedBlock(finder.tokens(from: start, to: end), type: type, to: &writer)
            }
            start = end
            blockIndex += 1
        } while start < content.count
        return writer.bytes
    }

    /// A Deflate64 stream of one final fixed or dynamic block holding `tokens`, valid or not.
    public static func deflate64(tokens: [Token], type: BlockType = .fixed) -> [UInt8] {
        var writer = LSBBitWriter()
        writer.write(1, bits: 1)
        writeCodedBlock(tokens, type: type, to: &writer)
        return writer.bytes
    }

    /// An implode stream of `content` for the zip flags `flags` (bit 1: 8 KiB window; bit 2: literal tree).
    public static func implode(_ content: [UInt8], flags: UInt16) -> [UInt8] {
        let minimumLength = flags & 4 != 0 ? 3 : 2
        var finder = MatchFinder(
            content, window: flags & 2 != 0 ? 8192 : 4096, minimumLength: minimumLength,
            maximumLength: minimumLength + 63 + 255)
        return implode(tokens: finder.tokens(from: 0, to: content.count), flags: flags)
    }

    /// An implode stream of `tokens` (whose distances may reach before the start of the output).
    public static func implode(tokens: [Token], flags: UInt16) -> [UInt8] {
        let hasLiteralTree = flags & 4 != 0
        let lowBits = flags & 2 != 0 ? 7 : 6
        var writer = LSBBitWriter()
        // A skewed literal tree reaching 16-bit codes; length and distance trees of 5, 6 and 7-bit codes.
        let literalLengths = Array(1...8) + Array(repeating: 15, count: 8) + Array(repeating: 16, count: 240)
        let otherLengths = (0..<64).map { [5, 6, 7, 7][$0 % 4] }
        if hasLiteralTree { writeTree(literalLengths, to: &writer) }
        writeTree(otherLengths, to: &writer)
        writeTree(otherLengths, to: &writer)
        let literalCodes = shannonFanoCodes(literalLengths)
        let otherCodes = shannonFanoCodes(otherLengths)
        func writeShannonFano(_ symbol: Int, _ codes: [Int], _ lengths: [Int]) {
            for bit in 0..<lengths[symbol] { writer.write(codes[symbol] >> (15 - bit) & 1, bits: 1) }
        }
        for token in tokens {
            switch token {
            case .literal(let byte):
                writer.write(1, bits: 1)
                if hasLiteralTree {
                    writeShannonFano(Int(byte), literalCodes, literalLengths)
                } else {
                    writer.write(Int(byte), bits: 8)
                }
            case .match(let length, let distance):
                writer.write(0, bits: 1)
                writer.write((distance - 1) & (1 << lowBits - 1), bits: lowBits)
                writeShannonFano((distance - 1) >> lowBits, otherCodes, otherLengths)
                let lengthCode = min(63, length - (hasLiteralTree ? 3 : 2))
                writeShannonFano(lengthCode, otherCodes, otherLengths)
                if lengthCode == 63 { writer.write(length - (hasLiteralTree ? 3 : 2) - 63, bits: 8) }
            }
        }
        return writer.bytes
    }

    // MARK: - Deflate64 blocks

    static let lengthBases =
        [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115]
        + [131, 163, 195, 227]
    static let distanceBases =
        [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025]
        + [1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577, 32769, 49153]

    static func writeCodedBlock(_ tokens: [Token], type: BlockType, to writer: inout LSBBitWriter) {
        let literalLengths: [Int]
        if type == .fixed {
            writer.write(1, bits: 2)
            literalLengths =
                Array(repeating: 8, count: 144) + Array(repeating: 9, count: 112)
                + Array(repeating: 7, count: 24) + Array(repeating: 8, count: 8)
        } else {
            writer.write(2, bits: 2)
            literalLengths = Array(repeating: 9, count: 256) + Array(repeating: 6, count: 32)
            writeDynamicHeader(to: &writer)
        }
        let literalCodes = canonicalCodes(literalLengths)
        let distanceCodes = canonicalCodes(Array(repeating: 5, count: 32))
        func writeLiteral(_ symbol: Int) { writer.writeHuffman(literalCodes[symbol], length: literalLengths[symbol]) }
        for token in tokens {
            switch token {
            case .literal(let byte):
                writeLiteral(Int(byte))
            case .match(let length, let distance):
                if length > 258 {
                    writeLiteral(285)
                    writer.write(length - 3, bits: 16)
                } else {
                    let index = lengthBases.lastIndex { $0 <= length } ?? 0
                    writeLiteral(257 + index)
                    writer.write(length - lengthBases[index], bits: max(0, index / 4 - 1))
                }
                let index = distanceBases.lastIndex { $0 <= distance } ?? 0
                writer.writeHuffman(distanceCodes[index], length: 5)
                writer.write(distance - distanceBases[index], bits: max(0, index / 2 - 1))
            }
        }
        writeLiteral(256)
    }

    /// 288 literal/length codes and 32 distance codes, their lengths (9, 6, 5) sent with a 2-bit code for the
    /// code-length symbols 5, 6, 9 and 16 (repeat the previous length 3 to 6 times).
    static func writeDynamicHeader(to writer: inout LSBBitWriter) {
        writer.write(288 - 257, bits: 5)
        writer.write(32 - 1, bits: 5)
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5]
        writer.write(order.count - 4, bits: 4)
        for symbol in order { writer.write([5, 6, 9, 16].contains(symbol) ? 2 : 0, bits: 3) }
        let codeOf = [5: 0, 6: 1, 9: 2, 16: 3]
        for (length, count) in [(9, 256), (6, 32), (5, 32)] {
            writer.writeHuffman(codeOf[length] ?? 0, length: 2)
            var left = count - 1
            while left >= 3 {
                let run = min(6, left)
                writer.writeHuffman(codeOf[16] ?? 0, length: 2)
                writer.write(run - 3, bits: 2)
                left -= run
            }
            for _ in 0..<left { writer.writeHuffman(codeOf[length] ?? 0, length: 2) }
        }
    }

    /// RFC 1951 section 3.2.2: codes of each length are consecutive, in symbol order, after the shorter ones.
    static func canonicalCodes(_ lengths: [Int]) -> [Int] {
        var next = [Int](repeating: 0, count: 17)
        var code = 0
        for length in 1...16 {
            code = (code + lengths.count { $0 == length - 1 && $0 > 0 }) << 1
            next[length] = code
        }
        return lengths.map { length in
            defer { next[length] += 1 }
            return next[length]
        }
    }

    // MARK: - Implode trees

    /// APPNOTE.TXT 5.3.7, literally: 16-bit codes, counted up from the longest code (its highest symbol) down.
    static func shannonFanoCodes(_ lengths: [Int]) -> [Int] {
        let order = lengths.indices.sorted { (lengths[$0], $0) < (lengths[$1], $1) }
        var codes = [Int](repeating: 0, count: lengths.count)
        var code = 0
        var increment = 0
        var lastLength = 0
        for symbol in order.reversed() {
            code += increment
            if lengths[symbol] != lastLength {
                lastLength = lengths[symbol]
                increment = 1 << (16 - lastLength)
            }
            codes[symbol] = code
        }
        return codes
    }

    /// The lengths as runs of up to 16 equal ones, a byte each, after a byte counting those bytes.
    static func writeTree(_ lengths: [Int], to writer: inout LSBBitWriter) {
        var runs: [Int] = []
        var index = 0
        while index < lengths.count {
            var count = 1
            while count < 16, index + count < lengths.count, lengths[index + count] == lengths[index] { count += 1 }
            runs.append((count - 1) << 4 | (lengths[index] - 1))
            index += count
        }
        writer.write(runs.count - 1, bits: 8)
        for run in runs { writer.write(run, bits: 8) }
    }
}

/// Packs bits into bytes, first bit lowest.
struct LSBBitWriter {
    var bytes: [UInt8] = []
    private var pending = 0

    /// The low `bits` bits of `value`, lowest first.
    mutating func write(_ value: Int, bits: Int) {
        for bit in 0..<bits {
            if pending == 0 { bytes.append(0) }
            bytes[bytes.count - 1] |= UInt8(value >> bit & 1) << pending
            pending = (pending + 1) % 8
        }
    }

    /// A Huffman code, its first (most significant) bit first.
    mutating func writeHuffman(_ code: Int, length: Int) {
        for bit in (0..<length).reversed() { write(code >> bit, bits: 1) }
    }

    mutating func alignToByte() { pending = 0 }
}

/// Greedy LZ77 matching for the encoders: the longer of the match one byte back and the match at the last
/// place the next 3 bytes were seen.
struct MatchFinder {
    let content: [UInt8]
    let window: Int
    let minimumLength: Int
    let maximumLength: Int
    private var lastSeen: [Int: Int] = [:]

    init(_ content: [UInt8], window: Int, minimumLength: Int, maximumLength: Int) {
        self.content = content
        self.window = window
        self.minimumLength = minimumLength
        self.maximumLength = maximumLength
    }

    /// Notes that the 3 bytes at `position` occur there.
    mutating func record(_ position: Int) {
        guard position + 3 <= content.count else { return }
        lastSeen[key(position)] = position
    }

    /// The tokens coding `content[start..<end]`, matches reaching back before `start`.
    mutating func tokens(from start: Int, to end: Int) -> [ZipMethodEncoders.Token] {
        var tokens: [ZipMethodEncoders.Token] = []
        var position = start
        while position < end {
            var best = (length: 0, distance: 0)
            if position + 3 <= end {
                for candidate in [position - 1, lastSeen[key(position)] ?? -1]
                where candidate >= 0 && position - candidate <= window {
                    var length = 0
                    while position + length < end, length < maximumLength,
                        content[candidate + length] == content[position + length]
                    {
                        length += 1
                    }
                    if length > best.length { best = (length, position - candidate) }
                }
            }
            record(position)
            if best.length >= max(3, minimumLength) {
                tokens.append(.match(length: best.length, distance: best.distance))
                position += best.length
            } else {
                tokens.append(.literal(content[position]))
                position += 1
            }
        }
        return tokens
    }

    private func key(_ position: Int) -> Int {
        Int(content[position]) << 16 | Int(content[position + 1]) << 8 | Int(content[position + 2])
    }
}
