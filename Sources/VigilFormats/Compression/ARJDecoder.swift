/// ARJ's decompressors, as `unarj` and clamscan's `unarj.c` implement them: methods 1–3 (LZ77 with a
/// 26,624-byte window and Huffman codes sent per block, like LHA's `-lh7-`) and method 4 (LZ77 with
/// unary-prefixed lengths and positions). The output ends at `size` bytes, at `maximumSize`, or where the
/// input is damaged or ends.
enum ARJDecoder {
    static let literalSymbols = 510  // NC: 256 literals and the lengths 3...256
    static let positionSymbols = 17  // NP
    static let tableSymbols = 19  // NT

    /// Decompresses method 1, 2 or 3 data.
    static func decode(_ input: UnsafeRawBufferPointer, size: Int, maximumSize: Int) -> [UInt8] {
        var bits = MSBBitReader(input)
        let target = min(size, maximumSize)
        var output: [UInt8] = []
        output.reserveCapacity(min(target, 1 << 24))
        var blockSize = 0
        var literals = Huffman.empty
        var positions = Huffman.empty
        while output.count < target {
            if blockSize == 0 {
                guard let count = bits.read(16), count > 0,
                    let table = readLengths(&bits, count: tableSymbols, widthBits: 5, special: 3).map(Huffman.init),
                    let literalLengths = readLiteralLengths(&bits, table),
                    let positionLengths = readLengths(&bits, count: positionSymbols, widthBits: 5, special: -1)
                else { break }
                blockSize = count
                literals = Huffman(literalLengths)
                positions = Huffman(positionLengths)
            }
            blockSize -= 1
            guard let symbol = literals.decode(&bits) else { break }
            if symbol < 256 {
                output.append(UInt8(symbol))
                continue
            }
            guard let code = positions.decode(&bits) else { break }
            var distance = code
            if code > 1 {
                guard let extra = bits.read(code - 1) else { break }
                distance = 1 << (code - 1) + extra
            }
            guard copy(length: symbol - 253, distance: distance + 1, into: &output, limit: target) else { break }
        }
        return output
    }

    /// Decompresses method 4 data.
    static func decodeFastest(_ input: UnsafeRawBufferPointer, size: Int, maximumSize: Int) -> [UInt8] {
        var bits = MSBBitReader(input)
        let target = min(size, maximumSize)
        var output: [UInt8] = []
        output.reserveCapacity(min(target, 1 << 24))
        while output.count < target {
            guard let length = unaryValue(&bits, from: 0, to: 7) else { break }
            if length == 0 {
                guard let byte = bits.read(8) else { break }
                output.append(UInt8(byte))
                continue
            }
            guard let position = unaryValue(&bits, from: 9, to: 13),
                copy(length: length + 2, distance: position + 1, into: &output, limit: target)
            else { break }
        }
        return output
    }

    /// A method 4 number: a unary prefix of up to `to - from` one bits picks the width, from `from` bits up.
    private static func unaryValue(_ bits: inout MSBBitReader, from: Int, to: Int) -> Int? {
        var width = from
        var base = 0
        while width < to {
            guard let bit = bits.read(1) else { return nil }
            if bit == 0 { break }
            base += 1 << width
            width += 1
        }
        guard width > 0 else { return base }
        return bits.read(width).map { base + $0 }
    }

    /// Copies `length` bytes from `distance` back; false if the distance points before the output's start.
    private static func copy(length: Int, distance: Int, into output: inout [UInt8], limit: Int) -> Bool {
        guard distance <= output.count else { return false }
        for _ in 0..<min(length, limit - output.count) { output.append(output[output.count - distance]) }
        return true
    }

    /// The code lengths of the table or position code: their count, then each length (3 bits, 7 followed by
    /// one bits for longer), with a 2-bit run of zeros after the `special`th.
    private static func readLengths(_ bits: inout MSBBitReader, count: Int, widthBits: Int, special: Int) -> [Int]? {
        guard let n = bits.read(widthBits) else { return nil }
        if n == 0 {
            guard let only = bits.read(widthBits), only < count else { return nil }
            return Huffman.single(only, count: count)
        }
        guard n <= count else { return nil }
        var lengths: [Int] = []
        while lengths.count < n {
            guard var length = bits.read(3) else { return nil }
            if length == 7 {
                while true {
                    guard let bit = bits.read(1), length <= 16 else { return nil }
                    if bit == 0 { break }
                    length += 1
                }
            }
            lengths.append(length)
            if lengths.count == special {
                guard let zeros = bits.read(2) else { return nil }
                lengths += Array(repeating: 0, count: zeros)
            }
        }
        return Array((lengths + Array(repeating: 0, count: max(0, count - lengths.count))).prefix(count))
    }

    /// The literal code's lengths, sent through the table code (0–2: runs of zeros; 3 and up: length - 2).
    private static func readLiteralLengths(_ bits: inout MSBBitReader, _ table: Huffman) -> [Int]? {
        guard let n = bits.read(9) else { return nil }
        if n == 0 {
            guard let only = bits.read(9), only < literalSymbols else { return nil }
            return Huffman.single(only, count: literalSymbols)
        }
        guard n <= literalSymbols else { return nil }
        var lengths: [Int] = []
        while lengths.count < n {
            guard let symbol = table.decode(&bits) else { return nil }
            switch symbol {
            case 0: lengths.append(0)
            case 1:
                guard let run = bits.read(4) else { return nil }
                lengths += Array(repeating: 0, count: run + 3)
            case 2:
                guard let run = bits.read(9) else { return nil }
                lengths += Array(repeating: 0, count: run + 20)
            default: lengths.append(symbol - 2)
            }
        }
        guard lengths.count <= literalSymbols else { return nil }
        return lengths + Array(repeating: 0, count: literalSymbols - lengths.count)
    }
}

/// A canonical Huffman code (codes assigned by length, then symbol), decoded a bit at a time; a code of a
/// single symbol (all lengths 0 but a marker) decodes it from no bits.
struct Huffman {
    var counts: [Int]
    var symbols: [Int]
    var only: Int?

    static let empty = Huffman(counts: [], symbols: [], only: nil)

    init(counts: [Int], symbols: [Int], only: Int?) {
        self.counts = counts
        self.symbols = symbols
        self.only = only
    }

    /// Lengths that mark `symbol` as the only one, for a code sent as a single symbol.
    static func single(_ symbol: Int, count: Int) -> [Int] {
        var lengths = Array(repeating: 0, count: count)
        lengths[symbol] = -1
        return lengths
    }

    init(_ lengths: [Int]) {
        only = lengths.firstIndex(of: -1)
        counts = Array(repeating: 0, count: 17)
        for length in lengths where length > 0 && length <= 16 { counts[length] += 1 }
        symbols = []
        for length in 1...16 {
            for (symbol, l) in lengths.enumerated() where l == length { symbols.append(symbol) }
        }
    }

    func decode(_ bits: inout MSBBitReader) -> Int? {
        if let only { return only }
        var code = 0
        var first = 0
        var index = 0
        for length in 1...16 {
            guard let bit = bits.read(1) else { return nil }
            code |= bit
            let count = counts[length]
            if code - first < count { return symbols[index + code - first] }
            index += count
            first = (first + count) << 1
            code <<= 1
        }
        return nil
    }
}

/// Reads bits most significant first; past the input's end a read gives `nil`.
struct MSBBitReader {
    let input: UnsafeRawBufferPointer
    var position = 0
    var buffer: UInt64 = 0
    var available = 0

    init(_ input: UnsafeRawBufferPointer) { self.input = input }

    /// The next `count` bits (at most 32) as a number.
    mutating func read(_ count: Int) -> Int? {
        while available < count {
            guard position < input.count else { return nil }
            buffer = buffer << 8 | UInt64(input[position])
            position += 1
            available += 8
        }
        available -= count
        return Int((buffer >> UInt64(available)) & ((1 << UInt64(count)) - 1))
    }
}
