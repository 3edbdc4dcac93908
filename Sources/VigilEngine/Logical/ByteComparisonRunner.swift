import VigilSignatures

extension ByteComparison {
    /// Counts a match for `slot` when the number read near the last match of the referenced subsignature
    /// satisfies every comparison.
    ///
    /// As clamscan 1.4 runs it per 128 KiB window with the referenced match's file offset applied inside the
    /// window, only the first window is emulated: the number must lie after byte 0 and within the first
    /// 128 KiB (exact for files up to that size).
    func run(on data: UnsafeRawBufferPointer, referenceSlot: Int, slot: Int, state: inout BodyScanState) {
        guard state.count(referenceSlot) > 0 else { return }
        let position = state.lastPosition(referenceSlot) + offset
        guard position > 0, position + length <= min(data.count, BodyMatcher.bufferSize) else { return }
        let bytes = UnsafeRawBufferPointer(rebasing: data[position..<(position + length)])
        guard let value = read(bytes), comparisons.allSatisfy({ $0.admits(value) }) else { return }
        state.countMatch(slot, at: position)
    }

    /// The number in `bytes`, or `nil` when they do not hold one as the options describe.
    func read(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        switch encoding {
        case .binary:
            guard let littleEndian else { return nil }
            var value: UInt64 = 0
            for i in 0..<bytes.count {
                let b = UInt64(bytes[littleEndian ? bytes.count - 1 - i : i])
                value = value << 8 | b
            }
            // A 64-bit value is compared as signed, as clamscan does.
            return bytes.count == 8 ? Int64(bitPattern: value) : Int64(value)
        case .decimal:
            return readText(bytes, radix: 10, reversePairs: false)
        case .hex:
            guard let littleEndian else { return nil }
            return readText(bytes, radix: 16, reversePairs: littleEndian)
        case .automatic:
            guard let littleEndian else { return nil }
            var i = 0
            while i < bytes.count, ASCII.isSpace(bytes[i]) { i += 1 }
            let hex = bytes.count - i >= 3 && bytes[i] == UInt8(ascii: "0") && bytes[i + 1] | 0x20 == UInt8(ascii: "x")
            return readText(bytes, radix: hex ? 16 : 10, reversePairs: hex && littleEndian)
        }
    }

    /// `strtol` over text: leading white space (which an exact comparison refuses), a sign for decimal, `0x`
    /// for hex, digits up to the first other byte (all of them when exact); little-endian hex reverses the
    /// digit pairs.
    private func readText(_ bytes: UnsafeRawBufferPointer, radix: Int64, reversePairs: Bool) -> Int64? {
        var i = 0
        while i < bytes.count, ASCII.isSpace(bytes[i]) { i += 1 }
        if exact && i > 0 { return nil }
        var negative = false
        if radix == 10, i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        if radix == 16, i + 1 < bytes.count, bytes[i] == UInt8(ascii: "0"), bytes[i + 1] | 0x20 == UInt8(ascii: "x") {
            i += 2
        }
        var digits: [Int64] = []
        while i < bytes.count, let d = ASCII.hexDigit(bytes[i]).map(Int64.init), d < radix {
            digits.append(d)
            i += 1
        }
        guard !digits.isEmpty, !exact || i == bytes.count else { return nil }
        if reversePairs {
            if digits.count % 2 == 1 { digits.insert(0, at: 0) }
            digits = stride(from: digits.count - 2, through: 0, by: -2).flatMap { [digits[$0], digits[$0 + 1]] }
        }
        var value: Int64 = 0
        for d in digits {
            let (m, o1) = value.multipliedReportingOverflow(by: radix)
            let (s, o2) = m.addingReportingOverflow(d)
            value = o1 || o2 ? .max : s
        }
        return negative ? -value : value
    }
}

extension ByteComparison.Comparison {
    /// Whether `value` satisfies the comparison.
    func admits(_ value: Int64) -> Bool {
        switch relation {
        case .equal: value == self.value
        case .greater: value > self.value
        case .less: value < self.value
        }
    }
}
