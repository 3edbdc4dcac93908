import Testing

@testable import VigilEngine

/// The normalisation as libclamav `textnorm.c` words it, one byte at a time: what the table-driven
/// ``TextNormalizer`` must reproduce exactly.
private func reference(_ data: [UInt8]) -> [UInt8] {
    var output: [UInt8] = []
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
            continue
        }
    }
    return output
}

private func normalized(_ data: [UInt8], reusing output: inout [UInt8]) -> [UInt8] {
    data.withUnsafeBytes { TextNormalizer.normalize($0, into: &output) }
    return output
}

@Test func textNormalizerLowersCollapsesAndDrops() {
    var output: [UInt8] = []
    #expect(
        normalized(Array("A  B\t\r\nC\u{01}\u{01} \u{7F}\u{80}D".utf8), reusing: &output) == Array("a b c \u{7F}d".utf8)
    )
    #expect(normalized([], reusing: &output) == [])
    #expect(normalized([0x80, 0x00, 0xFF], reusing: &output) == [])
    #expect(normalized([0x20, 0x00, 0x09, 0x41], reusing: &output) == [0x20, 0x61])  // a dropped byte keeps the run
}

@Test func textNormalizerMatchesTheReferenceOnRandomBytes() {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
    var output: [UInt8] = []
    for size in [1, 2, 7, 64, 1000, 4096, 100_000] {
        for alphabet in [256, 34, 3] {  // all bytes; mostly whitespace and controls; a few of them
            let base: [UInt8] = alphabet == 3 ? [0x20, 0x00, 0x41] : []
            let data = (0..<size).map { _ -> UInt8 in
                let r = next() >> 56
                if !base.isEmpty { return base[Int(r % 3)] }
                return alphabet == 256 ? UInt8(r) : UInt8(r % UInt64(alphabet))
            }
            #expect(normalized(data, reusing: &output) == reference(data), "size \(size), alphabet \(alphabet)")
        }
    }
}
