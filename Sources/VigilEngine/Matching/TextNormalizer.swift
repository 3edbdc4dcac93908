/// clamscan's text normalisation: body signatures also run over a normalised copy of text files, in which
/// upper-case ASCII is lowered, every run of whitespace becomes one space, and control bytes and bytes above
/// 0x7F are dropped (libclamav `textnorm.c`). A signature written for `" to produce "` thus matches a file
/// whose text breaks the line before "to".
enum TextNormalizer {
    /// Writes the normalised form of `data` into `output` (replacing its contents).
    static func normalize(_ data: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(data.count)
        var spaceWritten = false
        for c in data {
            switch c {
            case 0x09...0x0D, 0x20:
                if !spaceWritten { output.append(0x20) }
                spaceWritten = true
            case 0x41...0x5A:
                output.append(c + 32)
                spaceWritten = false
            case 0x21...0x7F:
                output.append(c)
                spaceWritten = false
            default:
                continue  // dropped without ending a run of whitespace
            }
        }
    }
}
