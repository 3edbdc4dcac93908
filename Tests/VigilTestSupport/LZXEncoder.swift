/// A small LZX encoder, enough to exercise a decoder: greedy LZ77 with the repeated offsets R0 to R2, blocks
/// verbatim, aligned-offset or uncompressed in a repeating pattern, 16-bit re-alignment after every 32 KiB
/// frame, a reset (fresh trees, repeated offsets and E8 header; no match reaching back over it) every
/// `resetInterval` frames, and optional E8 call translation relative to the start of the stream.
public struct LZXEncoder: Sendable {
    /// A block kind.
    public enum Block: Sendable { case verbatim, aligned, uncompressed }

    /// The window size as a power of two, 15 to 21.
    public var windowBits: Int
    /// Frames between resets; 0 for none.
    public var resetInterval: Int
    /// The bytes of each block (a reset also ends one).
    public var blockSize: Int
    /// The kinds of the blocks, repeated in order.
    public var blocks: [Block]
    /// The E8 translation's file size; 0 for no translation.
    public var e8FileSize: Int32

    /// An encoder with the given settings.
    public init(
        windowBits: Int = 16, resetInterval: Int = 2, blockSize: Int = 24_000, blocks: [Block] = [.verbatim],
        e8FileSize: Int32 = 0
    ) {
        self.windowBits = windowBits
        self.resetInterval = resetInterval
        self.blockSize = blockSize
        self.blocks = blocks
        self.e8FileSize = e8FileSize
    }

    /// The output of a frame.
    static let frameSize = 32768
    /// The verbatim bits of each position slot below 36.
    static let extraBits: [Int] = [0, 0, 0, 0] + (1...16).flatMap { [$0, $0] }
    /// The first formatted offset of each position slot.
    static let positionBases: [Int] = (0..<51).reduce(into: []) { bases, slot in
        bases.append(slot == 0 ? 0 : bases[slot - 1] + 1 << extraBits(slot - 1))
    }
    /// The verbatim bits of position slot `slot`.
    static func extraBits(_ slot: Int) -> Int { slot < 36 ? extraBits[slot] : 17 }

    /// `data` compressed, and where in the stream each 32 KiB frame starts (the reset table's entries).
    public func compress(_ data: [UInt8]) -> (stream: [UInt8], frameOffsets: [Int]) {
        let source = e8FileSize == 0 ? data : translateCalls(data)
        var state = LZXEncoderState(encoder: self, data: source)
        let interval = resetInterval == 0 ? max(source.count, 1) : resetInterval * Self.frameSize
        var blockIndex = 0
        var intervalStart = 0
        repeat {
            let intervalEnd = min(source.count, intervalStart + interval)
            state.startInterval(at: intervalStart)
            var blockStart = intervalStart
            while blockStart < intervalEnd {
                let blockEnd = min(intervalEnd, blockStart + blockSize)
                let kind = blocks[blockIndex % blocks.count]
                blockIndex += 1
                switch kind {
                case .uncompressed: state.writeUncompressed(blockStart..<blockEnd, more: blockEnd < intervalEnd)
                case .verbatim, .aligned: state.writeCompressed(blockStart..<blockEnd, aligned: kind == .aligned)
                }
                blockStart = blockEnd
            }
            intervalStart = intervalEnd
        } while intervalStart < source.count
        state.bits.alignToWord()
        return (state.bits.bytes, state.frameOffsets)
    }

    /// The encoder's side of E8 translation: in each frame, the 32-bit relative call target after a 0xE8 byte
    /// (outside the frame's last 10 bytes) becomes absolute when within the file size.
    public func translateCalls(_ data: [UInt8]) -> [UInt8] {
        var out = data
        for frameStart in stride(from: 0, to: data.count, by: Self.frameSize) {
            let frameEnd = min(data.count, frameStart + Self.frameSize)
            var index = frameStart
            while index < frameEnd - 10 {
                guard out[index] == 0xE8 else {
                    index += 1
                    continue
                }
                let position = Int32(index)
                var relative: Int32 = 0
                for byte in 0..<4 { relative |= Int32(out[index + 1 + byte]) << Int32(8 * byte) }
                if relative >= -position, relative < e8FileSize {
                    let absolute = relative < e8FileSize - position ? relative + position : relative - e8FileSize
                    for byte in 0..<4 { out[index + 1 + byte] = UInt8(truncatingIfNeeded: absolute >> Int32(8 * byte)) }
                }
                index += 5
            }
        }
        return out
    }
}

/// Writes bits most significant first into 16-bit little-endian words.
struct LZXBitWriter {
    /// The stream so far.
    var bytes: [UInt8] = []
    private var word: UInt32 = 0
    /// Bits in the current word.
    private(set) var count = 0

    /// Writes the low `bits` bits of `value`, highest first.
    mutating func write(_ value: Int, _ bits: Int) {
        for bit in stride(from: bits - 1, through: 0, by: -1) {
            word = word << 1 | UInt32((value >> bit) & 1)
            count += 1
            if count == 16 {
                bytes += [UInt8(word & 0xFF), UInt8(word >> 8)]
                word = 0
                count = 0
            }
        }
    }

    /// Pads with zero bits to the next 16-bit boundary.
    mutating func alignToWord() { if count > 0 { write(0, 16 - count) } }
}

/// One symbol of a compressed block.
enum LZXToken {
    /// A literal byte.
    case literal(UInt8)
    /// A match: its length, position slot and verbatim offset bits.
    case match(length: Int, slot: Int, verbatim: Int)
}

/// The encoder while it writes a stream.
struct LZXEncoderState {
    /// The settings.
    let encoder: LZXEncoder
    /// The data to compress (E8-translated if asked).
    let data: [UInt8]
    /// The stream written.
    var bits = LZXBitWriter()
    /// Where each frame starts in the stream.
    var frameOffsets: [Int] = [0]
    /// The repeated offsets R0 to R2.
    var repeated = [1, 1, 1]
    /// Where the current reset interval starts.
    var intervalStart = 0
    /// The main and length trees' previous code lengths, which new ones are coded against.
    var mainLengths: [UInt8]
    var lengthLengths = [UInt8](repeating: 0, count: 249)
    /// 256 literals plus 8 match headers for each position slot.
    let mainSymbols: Int
    /// The most recent position of each 3-byte hash, and the chain of earlier ones.
    var head = [Int](repeating: -1, count: 1 << 15)
    var previous: [Int]

    /// The state for compressing `data` with `encoder`.
    init(encoder: LZXEncoder, data: [UInt8]) {
        self.encoder = encoder
        self.data = data
        mainSymbols = 256 + [30, 32, 34, 36, 38, 42, 50][encoder.windowBits - 15] * 8
        mainLengths = [UInt8](repeating: 0, count: mainSymbols)
        previous = [Int](repeating: -1, count: data.count)
    }

    /// Starts a reset interval: fresh trees and repeated offsets, then the E8 header.
    mutating func startInterval(at start: Int) {
        intervalStart = start
        repeated = [1, 1, 1]
        for index in mainLengths.indices { mainLengths[index] = 0 }
        for index in lengthLengths.indices { lengthLengths[index] = 0 }
        if encoder.e8FileSize != 0 {
            bits.write(1, 1)
            bits.write(Int(UInt32(bitPattern: encoder.e8FileSize) >> 16), 16)
            bits.write(Int(UInt32(bitPattern: encoder.e8FileSize) & 0xFFFF), 16)
        } else {
            bits.write(0, 1)
        }
    }

    /// Notes a frame ending at `position`: re-aligns (in bit mode) and records where the next frame starts.
    mutating func passed(_ position: Int, bitMode: Bool) {
        guard position % LZXEncoder.frameSize == 0, position < data.count else { return }
        if bitMode { bits.alignToWord() }
        frameOffsets.append(bits.bytes.count)
    }

    /// Writes an uncompressed block: header, 16-bit alignment, R0 to R2, the bytes, and a padding byte after an
    /// odd length when another block follows before the next reset.
    mutating func writeUncompressed(_ range: Range<Int>, more: Bool) {
        writeBlockHeader(3, range.count)
        if bits.count == 0 { bits.write(0, 16) } else { bits.alignToWord() }
        for value in repeated { bits.bytes += (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        for position in range {
            bits.bytes.append(data[position])
            passed(position + 1, bitMode: false)
        }
        if range.count % 2 == 1, more { bits.bytes.append(0) }
    }

    /// Writes a block's type and 24-bit length.
    mutating func writeBlockHeader(_ type: Int, _ length: Int) {
        bits.write(type, 3)
        bits.write(length >> 8, 16)
        bits.write(length & 0xFF, 8)
    }

    /// Writes a verbatim or aligned-offset block: its trees, then its literals and matches.
    mutating func writeCompressed(_ range: Range<Int>, aligned: Bool) {
        let tokens = tokenize(range)
        var mainFrequencies = [Int](repeating: 0, count: mainSymbols)
        var lengthFrequencies = [Int](repeating: 0, count: 249)
        var alignedFrequencies = [Int](repeating: 0, count: 8)
        for token in tokens {
            switch token {
            case .literal(let byte): mainFrequencies[Int(byte)] += 1
            case .match(let length, let slot, let verbatim):
                mainFrequencies[256 + slot * 8 + min(length - 2, 7)] += 1
                if length - 2 >= 7 { lengthFrequencies[length - 9] += 1 }
                if aligned, slot >= 3, LZXEncoder.extraBits(slot) >= 3 { alignedFrequencies[verbatim & 7] += 1 }
            }
        }
        // The E8 literal in the tree tells the decoder that translation has started.
        if encoder.e8FileSize != 0, mainFrequencies[0xE8] == 0 { mainFrequencies[0xE8] = 1 }
        let main = HuffmanLengths.make(mainFrequencies, limit: 16, allowEmpty: false)
        let length = HuffmanLengths.make(lengthFrequencies, limit: 16, allowEmpty: true)
        // Only the length tree may be empty.
        let alignedLengths = HuffmanLengths.make(alignedFrequencies, limit: 7, allowEmpty: false)
        writeBlockHeader(aligned ? 2 : 1, range.count)
        if aligned { for value in alignedLengths { bits.write(Int(value), 3) } }
        var previousMain = mainLengths
        var previousLength = lengthLengths
        writeLengths(main, previous: &previousMain, 0..<256)
        writeLengths(main, previous: &previousMain, 256..<mainSymbols)
        writeLengths(length, previous: &previousLength, 0..<249)
        (mainLengths, lengthLengths) = (previousMain, previousLength)
        let mainCodes = HuffmanLengths.codes(main)
        let lengthCodes = HuffmanLengths.codes(length)
        let alignedCodes = HuffmanLengths.codes(alignedLengths)
        var position = range.lowerBound
        for token in tokens {
            switch token {
            case .literal(let byte):
                bits.write(mainCodes[Int(byte)], Int(main[Int(byte)]))
                position += 1
            case .match(let matchLength, let slot, let verbatim):
                let symbol = 256 + slot * 8 + min(matchLength - 2, 7)
                bits.write(mainCodes[symbol], Int(main[symbol]))
                if matchLength - 2 >= 7 { bits.write(lengthCodes[matchLength - 9], Int(length[matchLength - 9])) }
                let extra = slot >= 3 ? LZXEncoder.extraBits(slot) : 0
                if aligned, extra >= 3 {
                    if extra > 3 { bits.write(verbatim >> 3, extra - 3) }
                    bits.write(alignedCodes[verbatim & 7], Int(alignedLengths[verbatim & 7]))
                } else if extra > 0 {
                    bits.write(verbatim, extra)
                }
                position += matchLength
            }
            passed(position, bitMode: true)
        }
    }

    /// Greedy matching within the reset interval, the block and the frame, preferring repeated offsets.
    mutating func tokenize(_ range: Range<Int>) -> [LZXToken] {
        var tokens: [LZXToken] = []
        var position = range.lowerBound
        let maximumOffset = (1 << encoder.windowBits) - 3
        while position < range.upperBound {
            let frameEnd = (position / LZXEncoder.frameSize + 1) * LZXEncoder.frameSize
            let limit = min(257, range.upperBound - position, frameEnd - position)
            let reach = min(maximumOffset, position - intervalStart)
            var best = (length: 0, offset: 0)
            for offset in repeated where offset <= reach {
                let length = matchLength(position, offset, limit)
                if length >= 2, length > best.length { best = (length, offset) }
            }
            var candidate = position + 2 < data.count ? head[hash(position)] : -1
            var steps = 0
            while candidate >= 0, position - candidate <= reach, steps < 32 {
                let length = matchLength(position, position - candidate, limit)
                if length >= 3, length > best.length + 1 { best = (length, position - candidate) }
                candidate = previous[candidate]
                steps += 1
            }
            let step = best.length >= 2 ? best.length : 1
            if best.length >= 2 {
                tokens.append(matchToken(length: best.length, offset: best.offset))
            } else {
                tokens.append(.literal(data[position]))
            }
            for index in position..<(position + step) where index + 2 < data.count {
                previous[index] = head[hash(index)]
                head[hash(index)] = index
            }
            position += step
        }
        return tokens
    }

    /// The hash of the 3 bytes at `position`.
    func hash(_ position: Int) -> Int {
        (Int(data[position]) << 10 ^ Int(data[position + 1]) << 5 ^ Int(data[position + 2])) & 0x7FFF
    }

    /// How many bytes (at most `limit`) at `position` repeat those `offset` before.
    func matchLength(_ position: Int, _ offset: Int, _ limit: Int) -> Int {
        var length = 0
        while length < limit, data[position + length] == data[position + length - offset] { length += 1 }
        return length
    }

    /// The token of a match, updating R0 to R2 as the decoder will.
    mutating func matchToken(length: Int, offset: Int) -> LZXToken {
        if offset == repeated[0] { return .match(length: length, slot: 0, verbatim: 0) }
        if offset == repeated[1] {
            repeated.swapAt(0, 1)
            return .match(length: length, slot: 1, verbatim: 0)
        }
        if offset == repeated[2] {
            repeated.swapAt(0, 2)
            return .match(length: length, slot: 2, verbatim: 0)
        }
        repeated = [offset, repeated[0], repeated[1]]
        let formatted = offset + 2
        let slot = LZXEncoder.positionBases.lastIndex { $0 <= formatted } ?? 3
        return .match(length: length, slot: slot, verbatim: formatted - LZXEncoder.positionBases[slot])
    }

    /// Writes code lengths of `range` as pretree-coded deltas from `previous`, using the zero runs (17, 18) and
    /// same-value runs (19).
    mutating func writeLengths(_ lengths: [UInt8], previous: inout [UInt8], _ range: Range<Int>) {
        var codes: [(symbol: Int, extra: Int, bits: Int, second: Int?)] = []
        var index = range.lowerBound
        func delta(_ at: Int) -> Int { (Int(previous[at]) - Int(lengths[at]) + 17) % 17 }
        while index < range.upperBound {
            var run = 1
            while index + run < range.upperBound, lengths[index + run] == lengths[index] { run += 1 }
            if lengths[index] == 0, run >= 20 {
                let count = min(run, 51)
                codes.append((18, count - 20, 5, nil))
                index += count
            } else if lengths[index] == 0, run >= 4 {
                let count = min(run, 19)
                codes.append((17, count - 4, 4, nil))
                index += count
            } else if run >= 4 {
                let count = min(run, 5)
                codes.append((19, count - 4, 1, delta(index)))
                index += count
            } else {
                codes.append((delta(index), 0, 0, nil))
                index += 1
            }
        }
        for at in range { previous[at] = lengths[at] }
        var frequencies = [Int](repeating: 0, count: 20)
        for code in codes {
            frequencies[code.symbol] += 1
            if let second = code.second { frequencies[second] += 1 }
        }
        let pretree = HuffmanLengths.make(frequencies, limit: 15, allowEmpty: false)
        let pretreeCodes = HuffmanLengths.codes(pretree)
        for length in pretree { bits.write(Int(length), 4) }
        for code in codes {
            bits.write(pretreeCodes[code.symbol], Int(pretree[code.symbol]))
            bits.write(code.extra, code.bits)
            if let second = code.second { bits.write(pretreeCodes[second], Int(pretree[second])) }
        }
    }
}

/// Length-limited Huffman code lengths and their canonical codes (by length, then symbol; first bit highest).
enum HuffmanLengths {
    /// Code lengths for `frequencies` of at most `limit` bits, forming a complete code (at least two symbols,
    /// added if needed), or all zero when nothing is used and `allowEmpty`.
    static func make(_ frequencies: [Int], limit: Int, allowEmpty: Bool) -> [UInt8] {
        var weights = frequencies
        var used = weights.filter { $0 > 0 }.count
        if used == 0, allowEmpty { return [UInt8](repeating: 0, count: weights.count) }
        // A lone symbol would make an incomplete code, which LZX rejects: add a partner.
        for symbol in weights.indices where used < 2 && weights[symbol] == 0 {
            weights[symbol] = 1
            used += 1
        }
        while true {
            let lengths = huffman(weights)
            if lengths.max()! <= limit { return lengths.map { UInt8($0) } }
            weights = weights.map { $0 == 0 ? 0 : max(1, $0 >> 1) }
        }
    }

    /// Unlimited Huffman code lengths of the symbols of nonzero weight (two queues over sorted leaves).
    static func huffman(_ weights: [Int]) -> [Int] {
        let leaves = weights.indices.filter { weights[$0] > 0 }.sorted { (weights[$0], $0) < (weights[$1], $1) }
        var nodeWeights = leaves.map { weights[$0] }
        var parents = [Int](repeating: -1, count: leaves.count)
        var nextLeaf = 0
        var merged: [Int] = []
        var nextMerged = 0
        func takeSmallest() -> Int {
            let leafFirst =
                nextLeaf < leaves.count
                && (nextMerged == merged.count || nodeWeights[nextLeaf] <= nodeWeights[merged[nextMerged]])
            if leafFirst {
                nextLeaf += 1
                return nextLeaf - 1
            }
            nextMerged += 1
            return merged[nextMerged - 1]
        }
        for _ in 1..<leaves.count {
            let first = takeSmallest()
            let second = takeSmallest()
            nodeWeights.append(nodeWeights[first] + nodeWeights[second])
            parents.append(-1)
            parents[first] = nodeWeights.count - 1
            parents[second] = nodeWeights.count - 1
            merged.append(nodeWeights.count - 1)
        }
        var lengths = [Int](repeating: 0, count: weights.count)
        for (leaf, symbol) in leaves.enumerated() {
            var depth = 0
            var node = leaf
            while parents[node] >= 0 {
                node = parents[node]
                depth += 1
            }
            lengths[symbol] = depth
        }
        return lengths
    }

    /// The canonical code of each symbol.
    static func codes(_ lengths: [UInt8]) -> [Int] {
        var codes = [Int](repeating: 0, count: lengths.count)
        var code = 0
        for length in 1...16 {
            for symbol in lengths.indices where Int(lengths[symbol]) == length {
                codes[symbol] = code
                code += 1
            }
            code <<= 1
        }
        return codes
    }
}
