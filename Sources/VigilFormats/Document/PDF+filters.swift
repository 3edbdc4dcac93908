/// The stream filters, as ClamAV's `pdfdecode.c` applies them. Each decoder returns at most `limit` bytes (the
/// caller passes one more than it keeps, to tell a full stream from a cut one), or nil when it fails before
/// producing anything useful: ClamAV then scans the previous stage's bytes.
enum PDFFilter: Equatable {
    case flate, lzw, asciiHex, ascii85, runLength
    /// DCT, JPX, JBIG2, CCITT fax, Crypt or an unknown name: the chain stops and the bytes are scanned as they
    /// are (ClamAV's `CL_BREAK`).
    case unsupported

    init(name: [UInt8]) {
        switch String(decoding: name, as: UTF8.self) {
        case "FlateDecode", "Fl": self = .flate
        case "LZWDecode", "LZW": self = .lzw
        case "ASCIIHexDecode", "AHx": self = .asciiHex
        case "ASCII85Decode", "A85": self = .ascii85
        case "RunLengthDecode", "RL": self = .runLength
        default: self = .unsupported
        }
    }

    /// The decoded bytes, or nil when this filter cannot decode `input`.
    func decode(_ input: UnsafeRawBufferPointer, parameters: PDFDictionary?, limit: Int) -> [UInt8]? {
        switch self {
        case .flate:
            return Self.inflate(input, limit: limit).map { Self.unpredict($0, parameters) }
        case .lzw:
            let early = parameters?["EarlyChange"]?.integer ?? 1
            return Self.lzw(input, earlyChange: early != 0, limit: limit).map { Self.unpredict($0, parameters) }
        case .asciiHex: return Self.asciiHex(input, limit: limit)
        case .ascii85: return Self.ascii85(input, limit: limit)
        case .runLength: return Self.runLength(input, limit: limit)
        case .unsupported: return nil
        }
    }

    /// Where the line after the first end of line starts (ClamAV's `decode_nextlinestart`).
    static func nextLineStart(_ input: UnsafeRawBufferPointer) -> Int {
        var sawEndOfLine = false
        for (index, byte) in input.enumerated() {
            if byte == 0x0A || byte == 0x0D {
                sawEndOfLine = true
            } else if sawEndOfLine {
                return index
            }
        }
        return input.count
    }

    /// zlib data, kept up to where it breaks (ClamAV scans what a damaged stream gave); a stream that gives
    /// nothing is retried from the next line, for writers that put extra white space after `stream`. A lone
    /// CR before the data (not a valid end of line there) is skipped, as ClamAV skips it.
    static func inflate(_ input: UnsafeRawBufferPointer, limit: Int) -> [UInt8]? {
        let start = input.first == 0x0D ? 1 : 0
        let data = UnsafeRawBufferPointer(rebasing: input[start...])
        if let output = inflateOnce(data, limit: limit) { return output }
        let retry = nextLineStart(data)
        return retry < data.count ? inflateOnce(UnsafeRawBufferPointer(rebasing: data[retry...]), limit: limit) : nil
    }

    /// One inflation from the start of `input`: nil if it gives nothing, else its output up to the first
    /// error, the end of the stream or `limit` bytes.
    private static func inflateOnce(_ input: UnsafeRawBufferPointer, limit: Int) -> [UInt8]? {
        let output = Inflate.decompressPartially(input, format: .zlib, maxOutputSize: limit).output.bytes
        return output.isEmpty ? nil : output
    }

    /// `LZWDecode`: 9- to 12-bit codes, most significant bit first, 256 clearing the table and 257 ending the
    /// data; with `earlyChange` (the default) the code width grows one code early. Output up to a bad code is
    /// kept, as for Flate.
    static func lzw(_ input: UnsafeRawBufferPointer, earlyChange: Bool, limit: Int) -> [UInt8]? {
        var prefix = [UInt16](repeating: 0, count: 4096)
        var suffix = [UInt8](repeating: 0, count: 4096)
        var first = [UInt8](repeating: 0, count: 4096)
        var length = [Int](repeating: 1, count: 4096)
        for code in 0..<256 {
            suffix[code] = UInt8(code)
            first[code] = UInt8(code)
        }
        var string = [UInt8](repeating: 0, count: 4096)
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, 4 * input.count, 1 << 24))
        var next = 258
        var width = 9
        var previous: Int?
        var bits: UInt32 = 0
        var bitCount = 0
        var index = 0
        while output.count < limit {
            while bitCount < width, index < input.count {
                bits = bits << 8 | UInt32(input[index])
                bitCount += 8
                index += 1
            }
            guard bitCount >= width else { break }
            bitCount -= width
            let code = Int((bits >> UInt32(bitCount)) & ((1 << UInt32(width)) - 1))
            bits &= (1 << UInt32(bitCount)) - 1
            if code == 256 {
                (next, width, previous) = (258, 9, nil)
                continue
            }
            if code == 257 { break }
            if let previous {
                guard code <= next, code != 256 else { break }
                if next < 4096 {
                    prefix[next] = UInt16(previous)
                    suffix[next] = code < next ? first[code] : first[previous]
                    first[next] = first[previous]
                    length[next] = length[previous] + 1
                    next += 1
                }
            } else if code > 255 {
                break
            }
            guard code < next else { break }
            // A table entry is its prefix's string and one byte: spelled backwards from its end.
            var entry = code
            for position in stride(from: length[code] - 1, through: 0, by: -1) {
                string[position] = suffix[entry]
                entry = Int(prefix[entry])
            }
            output.append(bounded: string[..<length[code]], limit: limit)
            previous = code
            if next + (earlyChange ? 1 : 0) >= 1 << width, width < 12 { width += 1 }
        }
        return output.isEmpty ? nil : output
    }

    /// `ASCIIHexDecode`: hexadecimal pairs up to `>`, white space ignored, an odd last digit completed with 0;
    /// any other byte fails the filter, as in ClamAV.
    static func asciiHex(_ input: UnsafeRawBufferPointer, limit: Int) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, input.count / 2))
        var high: UInt8?
        for byte in input where output.count < limit {
            if byte == UInt8(ascii: ">") { break }
            if PDFLexer.isWhitespace(byte) { continue }
            guard let digit = Hex.nibbleValue(byte) else { return nil }
            if let value = high {
                output.append(bounded: CollectionOfOne(value << 4 | digit), limit: limit)
                high = nil
            } else {
                high = digit
            }
        }
        if let high { output.append(bounded: CollectionOfOne(high << 4), limit: limit) }
        return output
    }

    /// `ASCII85Decode`: five base-85 digits to four bytes, `z` for four zeros, up to `~>`; a short last group
    /// is padded with `u` as the format defines. A bad byte, `z` inside a group or a one-digit last group
    /// fails the filter, as in ClamAV. A leading `<~` (as PostScript writes it) is skipped.
    static func ascii85(_ input: UnsafeRawBufferPointer, limit: Int) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, input.count))
        var group: UInt64 = 0
        var digits = 0
        var index = input.starts(with: "<~".utf8) ? 2 : 0
        func emit(_ value: UInt64, count: Int) {
            for shift in stride(from: 24, to: 24 - 8 * count, by: -8) {
                output.append(bounded: CollectionOfOne(UInt8(truncatingIfNeeded: value >> UInt64(shift))), limit: limit)
            }
        }
        while index < input.count, output.count < limit {
            let byte = input[index]
            index += 1
            switch byte {
            case UInt8(ascii: "!")...UInt8(ascii: "u"):
                group = group * 85 + UInt64(byte - UInt8(ascii: "!"))
                digits += 1
                if digits == 5 {
                    emit(group, count: 4)
                    (group, digits) = (0, 0)
                }
            case UInt8(ascii: "z"):
                guard digits == 0 else { return nil }
                emit(0, count: 4)
            case UInt8(ascii: "~"):
                index = input.count
            default:
                guard PDFLexer.isWhitespace(byte) else { return nil }
            }
        }
        if digits == 1 { return nil }
        if digits > 1 {
            for _ in digits..<5 { group = group * 85 + 84 }
            emit(group, count: digits - 1)
        }
        return output
    }

    /// `RunLengthDecode`: a length byte n, then n + 1 literal bytes (n < 128) or one byte repeated 257 - n
    /// times (n > 128); 128 ends the data. Literal bytes missing at the end fail the filter, as in ClamAV.
    static func runLength(_ input: UnsafeRawBufferPointer, limit: Int) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, 2 * input.count))
        var index = 0
        while index < input.count, output.count < limit {
            let count = Int(input[index])
            index += 1
            if count == 128 { break }
            if count < 128 {
                guard count + 1 <= input.count - index else { return nil }
                output.append(bounded: input[index..<(index + count + 1)], limit: limit)
                index += count + 1
            } else {
                guard index < input.count else { return nil }
                output.append(bounded: repeatElement(input[index], count: 257 - count), limit: limit)
                index += 1
            }
        }
        return output
    }

    /// Undoes a `/Predictor` of `parameters` (as `/DecodeParms` gives it to Flate and LZW): TIFF predictor 2
    /// for 8- and 16-bit components, and the PNG predictors (10 to 15, each row naming its own). Other
    /// predictors, and parameters out of range, leave the bytes as they are.
    static func unpredict(_ data: [UInt8], _ parameters: PDFDictionary?) -> [UInt8] {
        guard let parameters, let predictor = parameters["Predictor"]?.integer, predictor == 2 || predictor >= 10,
            case let colors = parameters["Colors"]?.integer ?? 1, (1...32).contains(colors),
            case let component = parameters["BitsPerComponent"]?.integer ?? 8, [1, 2, 4, 8, 16].contains(component),
            case let columns = parameters["Columns"]?.integer ?? 1, (1...(1 << 24)).contains(columns)
        else { return data }
        let pixelBytes = max(1, colors * component / 8)
        let rowBytes = (colors * component * columns + 7) / 8
        var output = data
        if predictor == 2 {
            guard component >= 8 else { return data }
            for row in stride(from: 0, to: output.count, by: rowBytes) {
                let end = min(row + rowBytes, output.count)
                if component == 8 {
                    for i in (row + pixelBytes)..<max(row + pixelBytes, end) { output[i] &+= output[i - pixelBytes] }
                } else {
                    for i in stride(from: row + pixelBytes, to: end - 1, by: 2) {
                        let sum =
                            (UInt16(output[i]) << 8 | UInt16(output[i + 1]))
                            &+ (UInt16(output[i - pixelBytes]) << 8 | UInt16(output[i - pixelBytes + 1]))
                        (output[i], output[i + 1]) = (UInt8(sum >> 8), UInt8(truncatingIfNeeded: sum))
                    }
                }
            }
            return output
        }
        // PNG: each row is a filter-type byte and rowBytes bytes; the row above starts as zeros.
        output.removeAll(keepingCapacity: true)
        var above = [UInt8](repeating: 0, count: min(rowBytes, data.count))
        var current = above
        for row in stride(from: 0, to: data.count, by: rowBytes + 1) {
            let type = data[row]
            let count = min(rowBytes, data.count - row - 1)
            for i in 0..<count {
                let raw = data[row + 1 + i]
                let left = i >= pixelBytes ? current[i - pixelBytes] : 0
                let corner = i >= pixelBytes ? above[i - pixelBytes] : 0
                current[i] =
                    switch type {
                    case 1: raw &+ left
                    case 2: raw &+ above[i]
                    case 3: raw &+ UInt8((Int(left) + Int(above[i])) / 2)
                    case 4: raw &+ paeth(left, above[i], corner)
                    default: raw
                    }
            }
            output += current[..<count]
            swap(&above, &current)
        }
        return output
    }

    private static func paeth(_ left: UInt8, _ above: UInt8, _ corner: UInt8) -> UInt8 {
        let estimate = Int(left) + Int(above) - Int(corner)
        let (a, b, c) = (abs(estimate - Int(left)), abs(estimate - Int(above)), abs(estimate - Int(corner)))
        return a <= b && a <= c ? left : b <= c ? above : corner
    }
}

extension [UInt8] {
    /// Appends as much of `bytes` as keeps the count within `limit`, growing the storage by doubling but never
    /// past `limit`, so that a decoder's output never allocates more than its limit.
    mutating func append(bounded bytes: some Collection<UInt8>, limit: Int) {
        let taken = bytes.prefix(Swift.max(0, limit - count))
        if count + taken.count > capacity {
            reserveCapacity(Swift.min(limit, Swift.max(count + taken.count, 2 * capacity)))
        }
        append(contentsOf: taken)
    }
}
