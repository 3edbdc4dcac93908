/// clamscan's text normalisation: body signatures also run over a normalised copy of text files, in which
/// upper-case ASCII is lowered, every run of whitespace becomes one space, and control bytes and bytes above
/// 0x7F are dropped (libclamav `textnorm.c`). A signature written for `" to produce "` thus matches a file
/// whose text breaks the line before "to".
enum TextNormalizer {
    /// Per input byte: the byte written (lowered; a space for whitespace) in the low 8 bits, then bit 8 set
    /// unless the byte is dropped and bit 9 set for whitespace.
    private static let classes: [UInt16] = (0...255).map { (c: Int) -> UInt16 in
        switch c {
        case 0x09...0x0D, 0x20: 0x300 | 0x20
        case 0x41...0x5A: 0x100 | UInt16(c + 32)
        case 0x21...0x7F: 0x100 | UInt16(c)
        default: 0
        }
    }

    /// Writes the normalised form of `data` into `output` (replacing its contents).
    ///
    /// Without a branch per byte: clamscan types random-looking data as text too (as UTF-16 for one), where
    /// a branch on the byte's class mispredicts about every other byte. Every byte is stored at the write
    /// position, which advances by arithmetic on the class bits: for a byte kept, unless it is whitespace right
    /// after whitespace (a dropped byte in between does not end the run).
    static func normalize(_ data: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        guard !data.isEmpty else { return }
        // Room for every byte; the length is cut to what was written below.
        output.append(contentsOf: repeatElement(0, count: data.count))
        let written = classes.withUnsafeBufferPointer { table in
            output.withUnsafeMutableBufferPointer { out -> Int in
                let out = out.baseAddress!
                var n = 0
                var afterSpace: UInt = 0
                for c in data {
                    let entry = UInt(table[Int(c)])
                    out[n] = UInt8(truncatingIfNeeded: entry)  // n never passes the input position: in bounds
                    let kept = (entry >> 8) & 1
                    let space = entry >> 9
                    n &+= Int(bitPattern: kept &- (space & afterSpace))
                    afterSpace = space | (afterSpace & (kept ^ 1))
                }
                return n
            }
        }
        output.removeSubrange(written...)
    }
}
