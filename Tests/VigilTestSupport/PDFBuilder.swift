/// Writes PDF files for tests: plain objects, streams under any chain of the filters Vigil decodes, with a
/// direct, indirect, missing or false `/Length`, and a cross-reference table and trailer.
public struct PDFBuilder {
    /// A stream filter the builder encodes with.
    public enum Filter: String, Sendable, CaseIterable {
        case flate = "FlateDecode"
        case lzw = "LZWDecode"
        case asciiHex = "ASCIIHexDecode"
        case ascii85 = "ASCII85Decode"
        case runLength = "RunLengthDecode"

        /// The abbreviated name (as inline images spell filters).
        public var abbreviation: String {
            switch self {
            case .flate: "Fl"
            case .lzw: "LZW"
            case .asciiHex: "AHx"
            case .ascii85: "A85"
            case .runLength: "RL"
            }
        }

        /// `bytes` encoded by this filter.
        public func encode(_ bytes: [UInt8]) -> [UInt8] {
            switch self {
            case .flate: TestArchive.deflate(bytes, .zlib)
            case .lzw: PDFEncoders.lzw(bytes)
            case .asciiHex: PDFEncoders.asciiHex(bytes)
            case .ascii85: PDFEncoders.ascii85(bytes)
            case .runLength: PDFEncoders.runLength(bytes)
            }
        }
    }

    /// How a stream's `/Length` is written.
    public enum Length: Sendable {
        /// The encoded data's length.
        case direct
        /// A reference to a later object `number` holding the length.
        case indirect(Int)
        /// This text as the value (a wrong number, a reference to anything).
        case text(String)
        /// No `/Length` entry.
        case none
    }

    /// The file so far.
    public private(set) var bytes: [UInt8]
    private var offsets: [Int: Int] = [:]
    private var pending: [(number: Int, value: Int)] = []

    /// Starts a file with its header and a binary comment line.
    public init(version: String = "1.7") {
        bytes = Array("%PDF-\(version)\n%".utf8) + [0xE2, 0xE3, 0xCF, 0xD3, 0x0A]
    }

    /// Appends `number 0 obj`, `body`, `endobj`.
    public mutating func object(_ number: Int, _ body: String) {
        offsets[number] = bytes.count
        bytes += Array("\(number) 0 obj\n\(body)\nendobj\n".utf8)
    }

    /// Appends a stream object holding `content` encoded so that decoding by `filters` in order gives it
    /// back; `dictionary` adds entries, `names` chooses full or abbreviated filter names, `eol` what follows
    /// `stream`.
    public mutating func stream(
        _ number: Int, _ content: [UInt8], filters: [Filter] = [], dictionary: String = "",
        length: Length = .direct, abbreviated: Bool = false, eol: String = "\r\n"
    ) {
        let data = filters.reversed().reduce(content) { $1.encode($0) }
        var entries = dictionary
        if !filters.isEmpty {
            let names = filters.map { "/" + (abbreviated ? $0.abbreviation : $0.rawValue) }
            entries += filters.count == 1 ? " /Filter \(names[0])" : " /Filter [\(names.joined(separator: " "))]"
        }
        switch length {
        case .direct: entries += " /Length \(data.count)"
        case .indirect(let holder):
            entries += " /Length \(holder) 0 R"
            pending.append((holder, data.count))
        case .text(let text): entries += " /Length \(text)"
        case .none: break
        }
        offsets[number] = bytes.count
        bytes += Array("\(number) 0 obj\n<<\(entries) >>\nstream\(eol)".utf8) + data
        bytes += Array("\nendstream\nendobj\n".utf8)
        for (holder, value) in pending { object(holder, "\(value)") }
        pending = []
    }

    /// Appends bytes as they are.
    public mutating func raw(_ text: [UInt8]) { bytes += text }

    /// The file with a cross-reference table and a trailer holding `trailer`'s extra entries.
    public func finished(trailer: String = "") -> [UInt8] {
        let count = (offsets.keys.max() ?? 0) + 1
        var out = bytes
        let start = out.count
        out += Array("xref\n0 \(count)\n0000000000 65535 f\r\n".utf8)
        for number in 1..<max(1, count) {
            let offset = String(offsets[number] ?? 0)
            out += Array((String(repeating: "0", count: 10 - offset.count) + offset + " 00000 n\r\n").utf8)
        }
        out += Array("trailer\n<< /Size \(count) /Root 1 0 R\(trailer) >>\nstartxref\n\(start)\n%%EOF\n".utf8)
        return out
    }
}

/// Simple encoders for the PDF filters that zlib does not provide.
public enum PDFEncoders {
    /// Hexadecimal pairs, 64 to a line, ended by `>`.
    public static func asciiHex(_ bytes: [UInt8]) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            out += [digits[Int(byte >> 4)], digits[Int(byte & 15)]]
            if index % 32 == 31 { out.append(0x0A) }
        }
        return out + [UInt8(ascii: ">")]
    }

    /// Base-85 groups (`z` for four zeros), 75 to a line, ended by `~>`.
    public static func ascii85(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for start in stride(from: 0, to: bytes.count, by: 4) {
            let group = Array(bytes[start..<min(start + 4, bytes.count)])
            let value = (group + [0, 0, 0]).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            if value == 0, group.count == 4 {
                out.append(UInt8(ascii: "z"))
            } else {
                var digits: [UInt8] = []
                var rest = value
                for _ in 0..<5 {
                    digits.insert(UInt8(rest % 85) + UInt8(ascii: "!"), at: 0)
                    rest /= 85
                }
                out += digits.prefix(group.count + 1)
            }
            if start % 300 == 296 { out.append(0x0A) }
        }
        return out + Array("~>".utf8)
    }

    /// Runs of 2 to 128 equal bytes as repeats, the rest as literals of up to 128 bytes, ended by 128.
    public static func runLength(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var literal: [UInt8] = []
        func flush() {
            if !literal.isEmpty { out += [UInt8(literal.count - 1)] + literal }
            literal = []
        }
        var i = 0
        while i < bytes.count {
            var run = 1
            while i + run < bytes.count, bytes[i + run] == bytes[i], run < 128 { run += 1 }
            if run >= 2 {
                flush()
                out += [UInt8(257 - run), bytes[i]]
            } else {
                literal.append(bytes[i])
                if literal.count == 128 { flush() }
            }
            i += run
        }
        flush()
        return out + [128]
    }

    /// LZW with 9- to 12-bit codes (widening one code early with `earlyChange`, the PDF default), starting with
    /// a clear code and clearing the table before it fills.
    public static func lzw(_ bytes: [UInt8], earlyChange: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        var bits: UInt32 = 0
        var bitCount = 0
        var width = 9
        func emit(_ code: Int) {
            bits = bits << UInt32(width) | UInt32(code)
            bitCount += width
            while bitCount >= 8 {
                bitCount -= 8
                out.append(UInt8(truncatingIfNeeded: bits >> UInt32(bitCount)))
            }
            bits &= (1 << UInt32(bitCount)) - 1
        }
        var table: [Int: Int] = [:]
        var next = 258
        // The decoder adds each entry one code later than the encoder: the width follows its count.
        func added() {
            next += 1
            if next - (earlyChange ? 0 : 1) >= 1 << width, width < 12 { width += 1 }
        }
        emit(256)
        var current: Int?
        for byte in bytes {
            guard let prefix = current else {
                current = Int(byte)
                continue
            }
            if let code = table[prefix << 8 | Int(byte)] {
                current = code
                continue
            }
            emit(prefix)
            table[prefix << 8 | Int(byte)] = next
            added()
            if next == 4095 {
                emit(256)
                (table, next, width) = ([:], 258, 9)
            }
            current = Int(byte)
        }
        if let current {
            emit(current)
            added()
        }
        emit(257)
        if bitCount > 0 { out.append(UInt8(truncatingIfNeeded: bits << UInt32(8 - bitCount))) }
        return out
    }

    /// Rows of `columns` pixels of `colors` bytes, each row prefixed by a PNG filter type cycling through
    /// None, Sub, Up, Average and Paeth (`/Predictor 15` data).
    public static func pngPredicted(_ bytes: [UInt8], colors: Int, columns: Int) -> [UInt8] {
        let rowBytes = colors * columns
        var out: [UInt8] = []
        var above = [UInt8](repeating: 0, count: rowBytes)
        for (rowIndex, start) in stride(from: 0, to: bytes.count, by: rowBytes).enumerated() {
            var row = Array(bytes[start..<min(start + rowBytes, bytes.count)])
            row += [UInt8](repeating: 0, count: rowBytes - row.count)
            let type = rowIndex % 5
            out.append(UInt8(type))
            for i in 0..<rowBytes {
                let left = i >= colors ? Int(row[i - colors]) : 0
                let up = Int(above[i])
                let corner = i >= colors ? Int(above[i - colors]) : 0
                let predicted: Int
                switch type {
                case 1: predicted = left
                case 2: predicted = up
                case 3: predicted = (left + up) / 2
                case 4:
                    let p = left + up - corner
                    let (a, b, c) = (abs(p - left), abs(p - up), abs(p - corner))
                    predicted = a <= b && a <= c ? left : b <= c ? up : corner
                default: predicted = 0
                }
                out.append(row[i] &- UInt8(predicted))
            }
            above = row
        }
        return out
    }

    /// 8-bit TIFF predictor 2: each byte minus the same component of the pixel to its left.
    public static func tiffPredicted(_ bytes: [UInt8], colors: Int, columns: Int) -> [UInt8] {
        let rowBytes = colors * columns
        return bytes.indices.map { i in i % rowBytes >= colors ? bytes[i] &- bytes[i - colors] : bytes[i] }
    }
}
