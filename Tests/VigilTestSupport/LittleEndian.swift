/// `value`'s low two bytes, least significant first (negative values as two's complement), for the
/// encoders that lay out binary formats.
public func le16(_ value: some BinaryInteger) -> [UInt8] { littleEndian(value, count: 2) }

/// `value`'s low four bytes, least significant first.
public func le32(_ value: some BinaryInteger) -> [UInt8] { littleEndian(value, count: 4) }

/// `value`'s eight bytes, least significant first.
public func le64(_ value: some BinaryInteger) -> [UInt8] { littleEndian(value, count: 8) }

func littleEndian(_ value: some BinaryInteger, count: Int) -> [UInt8] {
    let bits = UInt64(truncatingIfNeeded: value)
    return (0..<count).map { UInt8(truncatingIfNeeded: bits >> (8 * UInt64($0))) }
}
