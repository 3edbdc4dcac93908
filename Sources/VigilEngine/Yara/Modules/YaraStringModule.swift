/// libyara's `string` module: `to_int` (C's `strtoll`, the whole text must be a number) and `length`.
enum YaraStringModule {
    static let module = YaraModule(
        name: "string",
        schema: [
            "to_int": .function([
                YaraFunction([.text], .integer) { call in parse(call.cText(0), base: 0).map(YaraValue.integer) },
                YaraFunction([.text, .integer], .integer) { call in
                    parse(call.cText(0), base: call.integer(1)).map(YaraValue.integer)
                },
            ]),
            "length": .function([YaraFunction([.text], .integer) { call in .integer(Int64(call.text(0).count)) }]),
        ],
        load: { _ in [:] })

    /// The text as `strtoll` reads it in `base` (0 picks 8, 10 or 16 from the prefix), or nil when it has no
    /// digits, has anything after them, overflows or the base is invalid.
    static func parse(_ text: [UInt8], base: Int64) -> Int64? {
        guard base == 0 || (2...36).contains(base) else { return nil }
        var i = 0
        while i < text.count, text[i] == 0x20 || (0x09...0x0D).contains(text[i]) { i += 1 }
        var negative = false
        if i < text.count, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") {
            negative = text[i] == UInt8(ascii: "-")
            i += 1
        }
        var radix = base
        func digit(_ at: Int) -> Int64? {
            guard at < text.count else { return nil }
            let c = text[at]
            let v: Int64
            switch c {
            case 0x30...0x39: v = Int64(c - 0x30)
            case 0x41...0x5A: v = Int64(c - 0x41 + 10)
            case 0x61...0x7A: v = Int64(c - 0x61 + 10)
            default: return nil
            }
            return v < radix ? v : nil
        }
        let hasHexPrefix =
            i + 1 < text.count && text[i] == 0x30 && (text[i + 1] | 0x20) == UInt8(ascii: "x")
        if (radix == 0 || radix == 16) && hasHexPrefix {
            radix = 16
            // "0x" without a hex digit after it is the number 0 followed by "x".
            if digit(i + 2) != nil { i += 2 }
        } else if radix == 0 {
            radix = i < text.count && text[i] == 0x30 ? 8 : 10
        }
        guard digit(i) != nil else { return nil }
        var magnitude: UInt64 = 0
        var overflow = false
        while let d = digit(i) {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: UInt64(radix))
            let (s, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { overflow = true }
            magnitude = s
            i += 1
        }
        guard i == text.count, !overflow else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }
}
