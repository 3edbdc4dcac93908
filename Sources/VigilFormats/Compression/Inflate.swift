import CVigilZlib

/// Decompresses gzip, zlib and raw deflate streams through the system zlib. The output never grows past the
/// caller's maximum: a stream that would is refused with ``DecompressionError/Code/outputLimitExceeded`` as soon as
/// the limit is crossed, so a small hostile input cannot make Vigil allocate without bound.
public enum Inflate {
    /// The framing around the deflate data.
    public enum Format: Sendable, Equatable {
        /// RFC 1952 gzip (one member).
        case gzip
        /// RFC 1950 zlib.
        case zlib
        /// RFC 1951 deflate data with no header or trailer.
        case raw
        /// gzip or zlib, told by the header.
        case gzipOrZlib

        var windowBits: Int32 {
            switch self {
            case .gzip: 15 + 16
            case .zlib: 15
            case .raw: -15
            case .gzipOrZlib: 15 + 32
            }
        }
    }

    /// The decompressed bytes and how much of the input the stream occupied.
    public struct Output: Sendable, Equatable {
        /// The decompressed bytes.
        public var bytes: [UInt8]
        /// The number of input bytes the stream used, trailer included; bytes after it were not read.
        public var consumed: Int
    }

    /// Whether `bytes` starts with the gzip magic number.
    public static func isGzip(_ bytes: some Collection<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        return iterator.next() == 0x1F && iterator.next() == 0x8B
    }

    /// Decompresses one stream from the start of `input`.
    ///
    /// - Parameters:
    ///   - format: the framing expected.
    ///   - maxOutputSize: the most bytes the output may hold; one byte more is an error.
    /// - Throws: ``DecompressionError``: corrupt or truncated input, or output over `maxOutputSize`.
    public static func decompress(_ input: UnsafeRawBufferPointer, format: Format, maxOutputSize: Int)
        throws(DecompressionError) -> Output
    {
        let (output, error) = decompressPartially(input, format: format, maxOutputSize: maxOutputSize)
        if let error { throw error }
        return output
    }

    /// Decompresses as much of one stream as can be: the output up to where the stream ends, breaks, or
    /// reaches `maxOutputSize` bytes (then exactly that many), and the error that stopped it, if any. Scanners
    /// read a damaged stream this way, as clamscan scans what a damaged stream gave.
    public static func decompressPartially(_ input: UnsafeRawBufferPointer, format: Format, maxOutputSize: Int)
        -> (output: Output, error: DecompressionError?)
    {
        var output: [UInt8] = []
        guard let base = input.baseAddress, !input.isEmpty else {
            return (Output(bytes: [], consumed: 0), DecompressionError(.truncated, "the compressed stream is empty"))
        }
        var stream = z_stream()
        switch cvigil_inflate_init2(&stream, format.windowBits) {
        case Z_OK: break
        case Z_MEM_ERROR:
            return (Output(bytes: [], consumed: 0), DecompressionError(.resources, "zlib could not allocate its state"))
        default: return (Output(bytes: [], consumed: 0), DecompressionError(.corrupt, "zlib refused to start"))
        }
        defer { inflateEnd(&stream) }

        let chunkSize = 1 << 16
        output.reserveCapacity(min(maxOutputSize, input.count &* 4, 1 << 24))
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        defer { chunk.deallocate() }

        // zlib counts input in 32-bit units; feed larger buffers in slices.
        var fed = 0
        func refill() {
            let slice = min(input.count - fed, Int(UInt32.max))
            stream.next_in = UnsafeMutablePointer(mutating: (base + fed).assumingMemoryBound(to: UInt8.self))
            stream.avail_in = uInt(slice)
            fed += slice
        }
        func result(_ error: DecompressionError?) -> (output: Output, error: DecompressionError?) {
            (Output(bytes: output, consumed: fed - Int(stream.avail_in)), error)
        }
        refill()
        while true {
            if stream.avail_in == 0 && fed < input.count { refill() }
            stream.next_out = chunk
            stream.avail_out = uInt(chunkSize)
            let status = inflate(&stream, Z_NO_FLUSH)
            let produced = chunkSize - Int(stream.avail_out)
            if produced > 0 {
                let room = maxOutputSize - output.count
                output.append(contentsOf: UnsafeBufferPointer(start: chunk, count: min(produced, room)))
                guard produced <= room else {
                    return result(
                        DecompressionError(
                            .outputLimitExceeded,
                            "the decompressed data is larger than the limit of \(maxOutputSize) bytes"))
                }
            }
            switch status {
            case Z_STREAM_END:
                return result(nil)
            case Z_OK:
                continue
            case Z_BUF_ERROR where stream.avail_in == 0 && fed == input.count:
                return result(
                    DecompressionError(
                        .truncated, "the compressed stream ends early (after \(output.count) bytes of output)"))
            case Z_MEM_ERROR:
                return result(DecompressionError(.resources, "zlib ran out of memory"))
            case Z_NEED_DICT:
                return result(DecompressionError(.corrupt, "the stream needs a preset dictionary"))
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "invalid data"
                return result(DecompressionError(.corrupt, "the compressed stream is corrupt (\(reason))"))
            }
        }
    }

    /// Decompresses one stream from the start of `input`.
    public static func decompress(_ input: [UInt8], format: Format, maxOutputSize: Int) throws(DecompressionError)
        -> Output
    {
        try input.withUnsafeBytes { raw in
            Result { () throws(DecompressionError) in try decompress(raw, format: format, maxOutputSize: maxOutputSize) }
        }.get()
    }

    /// Decompresses a gzip file: every member, in order, as `gunzip` and zlib's `gzread` do, ignoring bytes after
    /// the last member that do not start another one. `maxOutputSize` bounds the members' total.
    public static func gunzip(_ input: UnsafeRawBufferPointer, maxOutputSize: Int) throws(DecompressionError) -> [UInt8] {
        var output: [UInt8] = []
        var offset = 0
        repeat {
            let member = try decompress(
                UnsafeRawBufferPointer(rebasing: input[offset...]), format: .gzip,
                maxOutputSize: maxOutputSize - output.count)
            if output.isEmpty { output = member.bytes } else { output += member.bytes }
            offset += member.consumed
        } while isGzip(input[offset...])
        return output
    }

    /// Decompresses a gzip file (every member), as the buffer-pointer variant does.
    public static func gunzip(_ input: [UInt8], maxOutputSize: Int) throws(DecompressionError) -> [UInt8] {
        try input.withUnsafeBytes { raw in
            Result { () throws(DecompressionError) in try gunzip(raw, maxOutputSize: maxOutputSize) }
        }.get()
    }
}
