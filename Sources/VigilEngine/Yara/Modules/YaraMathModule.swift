import Glibc

/// libyara's `math` module: statistics of a range of the file or of a text (entropy, mean, deviation, serial
/// correlation, Monte Carlo π, byte counts), and small integer helpers.
enum YaraMathModule {
    static let module = YaraModule(
        name: "math",
        schema: [
            "MEAN_BYTES": .float,
            "in_range": .function([
                YaraFunction([.float, .float, .float], .integer) { c in
                    .integer(c.float(1) <= c.float(0) && c.float(0) <= c.float(2) ? 1 : 0)
                }
            ]),
            "deviation": .function([
                YaraFunction([.integer, .integer, .float], .float) { c in
                    float(distribution(c.range(c.integer(0), c.integer(1))).map { deviation($0, mean: c.float(2)) })
                },
                YaraFunction([.text, .float], .float) { c in
                    let t = signed(c.text(0))
                    var sum = 0.0
                    for v in t { sum += abs(v - c.float(1)) }
                    return float(sum / Double(t.count))
                },
            ]),
            "mean": .function([
                YaraFunction([.integer, .integer], .float) { c in
                    float(distribution(c.range(c.integer(0), c.integer(1))).map(mean))
                },
                YaraFunction([.text], .float) { c in
                    let t = signed(c.text(0))
                    var sum = 0.0
                    for v in t { sum += v }
                    return float(sum / Double(t.count))
                },
            ]),
            "serial_correlation": .function([
                YaraFunction([.integer, .integer], .float) { c in
                    c.range(c.integer(0), c.integer(1)).flatMap { float(serialCorrelation($0.map(Double.init))) }
                },
                YaraFunction([.text], .float) { c in float(serialCorrelation(signed(c.text(0)))) },
            ]),
            "monte_carlo_pi": .function([
                YaraFunction([.integer, .integer], .float) { c in
                    c.range(c.integer(0), c.integer(1)).flatMap { float(monteCarloPi($0.map(UInt32.init))) }
                },
                // libyara widens the text's signed chars to unsigned int, so bytes from 0x80 become huge.
                YaraFunction([.text], .float) { c in
                    float(monteCarloPi(c.text(0).map { UInt32(bitPattern: Int32(Int8(bitPattern: $0))) }))
                },
            ]),
            "entropy": .function([
                YaraFunction([.integer, .integer], .float) { c in
                    float(distribution(c.range(c.integer(0), c.integer(1))).map { entropy($0) })
                },
                YaraFunction([.text], .float) { c in
                    float(c.text(0).withUnsafeBytes { entropy(distribution($0), length: Double($0.count)) })
                },
            ]),
            "min": .function([
                YaraFunction([.integer, .integer], .integer) { c in
                    .integer(Int64(bitPattern: min(UInt64(bitPattern: c.integer(0)), UInt64(bitPattern: c.integer(1)))))
                }
            ]),
            "max": .function([
                YaraFunction([.integer, .integer], .integer) { c in
                    .integer(Int64(bitPattern: max(UInt64(bitPattern: c.integer(0)), UInt64(bitPattern: c.integer(1)))))
                }
            ]),
            "to_number": .function([YaraFunction([.boolean], .integer) { c in .integer(c.integer(0) != 0 ? 1 : 0) }]),
            "abs": .function([
                YaraFunction([.integer], .integer) { c in .integer(c.integer(0) == .min ? .min : abs(c.integer(0))) }
            ]),
            "count": .function([
                YaraFunction([.integer, .integer, .integer], .integer) { c in
                    counts(c, c.integer(0), c.integer(1), c.integer(2)).map { .integer(Int64($0[Int(c.integer(0))])) }
                },
                YaraFunction([.integer], .integer) { c in
                    guard (0...255).contains(c.integer(0)) else { return nil }
                    return .integer(Int64(distribution(c.data)[Int(c.integer(0))]))
                },
            ]),
            "percentage": .function([
                YaraFunction([.integer, .integer, .integer], .float) { c in
                    float(counts(c, c.integer(0), c.integer(1), c.integer(2)).map { percentage($0, c.integer(0)) })
                },
                YaraFunction([.integer], .float) { c in
                    guard (0...255).contains(c.integer(0)) else { return nil }
                    return float(percentage(distribution(c.data), c.integer(0)))
                },
            ]),
            "mode": .function([
                YaraFunction([.integer, .integer], .integer) { c in
                    distribution(c.range(c.integer(0), c.integer(1))).map { .integer(mode($0)) }
                },
                YaraFunction([], .integer) { c in .integer(mode(distribution(c.data))) },
            ]),
            "to_string": .function([
                YaraFunction([.integer], .text) { c in .text(Array(String(c.integer(0)).utf8)) },
                YaraFunction([.integer, .integer], .text) { c in
                    let bits = UInt64(bitPattern: c.integer(0))
                    switch c.integer(1) {
                    case 10: return .text(Array(String(c.integer(0)).utf8))
                    case 8: return .text(Array(String(bits, radix: 8).utf8))
                    case 16: return .text(Array(String(bits, radix: 16).utf8))
                    default: return nil
                    }
                },
            ]),
        ],
        load: { _ in ["MEAN_BYTES": .float(127.5)] })

    /// A float result; NaN (from an empty range or text) is undefined, as in libyara.
    private static func float(_ v: Double?) -> YaraValue? {
        guard let v, !v.isNaN else { return nil }
        return .float(v)
    }

    /// The counts of a range, when it is inside the file and `value` is a byte.
    private static func counts(_ c: YaraCall, _ value: Int64, _ offset: Int64, _ size: Int64) -> [UInt32]? {
        guard (0...255).contains(value) else { return nil }
        return distribution(c.range(offset, size))
    }

    /// How many times each byte value occurs.
    static func distribution(_ bytes: UnsafeRawBufferPointer) -> [UInt32] {
        var counts = [UInt32](repeating: 0, count: 256)
        for b in bytes { counts[Int(b)] &+= 1 }
        return counts
    }

    private static func distribution(_ bytes: UnsafeRawBufferPointer?) -> [UInt32]? { bytes.map(distribution) }

    private static func total(_ counts: [UInt32]) -> Double { Double(counts.reduce(0) { $0 + Int($1) }) }

    /// Shannon entropy in bits a byte.
    static func entropy(_ counts: [UInt32], length: Double? = nil) -> Double {
        let n = length ?? total(counts)
        var entropy = 0.0
        for c in counts where c != 0 {
            let x = Double(c) / n
            entropy -= x * log2(x)
        }
        return entropy
    }

    private static func mean(_ counts: [UInt32]) -> Double {
        var sum = 0.0
        for (i, c) in counts.enumerated() { sum += Double(i) * Double(c) }
        return sum / total(counts)
    }

    private static func deviation(_ counts: [UInt32], mean: Double) -> Double {
        var sum = 0.0
        for (i, c) in counts.enumerated() { sum += abs(Double(i) - mean) * Double(c) }
        return sum / total(counts)
    }

    /// libyara computes the ratio in single precision.
    private static func percentage(_ counts: [UInt32], _ value: Int64) -> Double {
        Double(Float(counts[Int(value)]) / Float(total(counts)))
    }

    private static func mode(_ counts: [UInt32]) -> Int64 {
        var most = 0
        for i in 0..<256 where counts[i] > counts[most] { most = i }
        return Int64(most)
    }

    /// Serial correlation of consecutive values, the last paired with the first (as `ent`); -100000 when the
    /// denominator is zero.
    static func serialCorrelation(_ values: [Double]) -> Double {
        var t1 = 0.0
        var t2 = 0.0
        var t3 = 0.0
        var last = 0.0
        for v in values {
            t1 += last * v
            t2 += v
            t3 += v * v
            last = v
        }
        t1 += last * (values.first ?? 0)
        t2 *= t2
        let n = Double(values.count)
        let d = n * t3 - t2
        return d == 0 ? -100000 : (n * t1 - t2) / d
    }

    /// The relative error of π estimated from 6-byte points (as `ent`); nil with fewer than 6 values.
    static func monteCarloPi(_ values: [UInt32]) -> Double? {
        let inCircle = pow(pow(256.0, 3.0) - 1, 2.0)
        var points = 0
        var inside = 0
        var i = 0
        while i + 6 <= values.count {
            var x = 0.0
            var y = 0.0
            for j in 0..<3 {
                x = x * 256 + Double(values[i + j])
                y = y * 256 + Double(values[i + j + 3])
            }
            points += 1
            if x * x + y * y <= inCircle { inside += 1 }
            i += 6
        }
        guard points > 0 else { return nil }
        let estimate = 4.0 * (Double(inside) / Double(points))
        return abs((estimate - Double.pi) / Double.pi)
    }

    /// A text's bytes as libyara reads them through C's signed `char`.
    private static func signed(_ text: [UInt8]) -> [Double] { text.map { Double(Int8(bitPattern: $0)) } }
}
