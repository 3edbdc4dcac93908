/// A set of byte values: a class in a hex pattern or a regular expression.
public struct ByteSet: Sendable, Equatable {
    @usableFromInline var bits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// The bytes for which `contains` is true.
    public init(_ contains: (UInt8) -> Bool) {
        for b in 0...255 where contains(UInt8(b)) {
            switch b >> 6 {
            case 0: bits.0 |= 1 << UInt64(b & 63)
            case 1: bits.1 |= 1 << UInt64(b & 63)
            case 2: bits.2 |= 1 << UInt64(b & 63)
            default: bits.3 |= 1 << UInt64(b & 63)
            }
        }
    }

    /// Whether `b` is in the set.
    @inlinable @inline(__always) public func contains(_ b: UInt8) -> Bool {
        let word: UInt64
        switch b >> 6 {
        case 0: word = bits.0
        case 1: word = bits.1
        case 2: word = bits.2
        default: word = bits.3
        }
        return word & (1 << UInt64(b & 63)) != 0
    }

    /// How many bytes the set holds.
    public var count: Int {
        bits.0.nonzeroBitCount + bits.1.nonzeroBitCount + bits.2.nonzeroBitCount + bits.3.nonzeroBitCount
    }

    /// The bytes in the set, ascending.
    public var members: [UInt8] {
        var out: [UInt8] = []
        for (w, word) in [bits.0, bits.1, bits.2, bits.3].enumerated() {
            var rest = word
            while rest != 0 {
                out.append(UInt8(w * 64 + rest.trailingZeroBitCount))
                rest &= rest - 1
            }
        }
        return out
    }

    /// The bytes not in the set.
    public var inverted: ByteSet { ByteSet { !contains($0) } }

    /// The bytes in either set.
    public func union(_ other: ByteSet) -> ByteSet {
        var out = self
        out.bits = (bits.0 | other.bits.0, bits.1 | other.bits.1, bits.2 | other.bits.2, bits.3 | other.bits.3)
        return out
    }

    /// Whether both sets hold the same bytes.
    public static func == (a: ByteSet, b: ByteSet) -> Bool { a.bits == b.bits }
}
