import Testing
import VigilSignatures

@testable import VigilEngine

/// The `hash`, `math`, `string`, `time` and `console` modules: known values through rules, libyara's edge cases
/// (ranges past the end, unsigned `min`/`max`, `strtoll` parsing), and value-for-value parity with yara-python.
@Suite("YARA modules")
struct YaraModuleTests {
    private let abc = Array("abc".utf8)

    @Test func hashesOfTextsAndRanges() throws {
        let cases = [
            "hash.md5(\"abc\") == \"900150983cd24fb0d6963f7d28e17f72\"",
            "hash.sha1(\"abc\") == \"a9993e364706816aba3e25717850c26c9cd0d89d\"",
            "hash.sha256(\"abc\") == \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"",
            "hash.md5(0, filesize) == hash.md5(\"abc\")",
            "hash.sha1(1, 100) == hash.sha1(\"bc\")",
            "hash.md5(0, 0) == \"d41d8cd98f00b204e9800998ecf8427e\"",
            "not defined hash.md5(3, 1)",
            "not defined hash.sha256(-1, 2)",
            "not defined hash.crc32(0, -1)",
            "hash.crc32(\"abc\") == 0x352441c2",
            "hash.crc32(0, 3) == 0x352441c2",
            "hash.checksum32(\"abc\") == 294",
            "hash.checksum32(1, 2) == 197",
        ]
        for c in cases { #expect(try YaraModuleHarness.matches(c, abc), "\(c)") }
    }

    @Test func mathStatistics() throws {
        let cases = [
            "math.entropy(\"aabb\") == 1.0",
            "math.entropy(0, 3) > 1.58 and math.entropy(0, 3) < 1.59",
            "math.mean(\"ab\") == 97.5",
            "math.mean(0, filesize) == 98.0",
            "math.deviation(\"ab\", 97.0) == 0.5",
            "math.deviation(0, 3, math.MEAN_BYTES) == 127.5 - 98.0",
            "math.MEAN_BYTES == 127.5",
            "not defined math.monte_carlo_pi(\"abc\")",
            "math.serial_correlation(\"aaaa\") == -100000.0",
            "not defined math.entropy(3, 1)",
            "math.in_range(2, 1, 3) and not math.in_range(0.5, 1.0, 3.0)",
            "math.min(-1, 5) == 5 and math.max(-1, 5) == -1",
            "math.abs(-7) == 7 and math.to_number(1 == 1) == 1 and math.to_number(false) == 0",
            "math.count(0x61) == 1 and math.count(0x61, 1, 2) == 0 and not defined math.count(0x61, 5, 1)",
            "math.percentage(0x62) > 0.333 and math.percentage(0x62) < 0.334",
            "math.mode() == 0x61 and math.mode(1, 2) == 0x62",
            "math.to_string(-42) == \"-42\" and math.to_string(255, 16) == \"ff\" and math.to_string(8, 8) == \"10\"",
            "math.to_string(-1, 16) == \"ffffffffffffffff\" and not defined math.to_string(5, 3)",
        ]
        for c in cases { #expect(try YaraModuleHarness.matches(c, abc), "\(c)") }
    }

    @Test func stringToIntFollowsStrtoll() throws {
        let cases = [
            "string.to_int(\"0x10\") == 16", "string.to_int(\"010\") == 8", "string.to_int(\" -5\") == -5",
            "string.to_int(\"+7\") == 7", "not defined string.to_int(\"5 \")", "not defined string.to_int(\"\")",
            "not defined string.to_int(\"0x\")", "string.to_int(\"z\", 36) == 35", "string.to_int(\"ff\", 16) == 255",
            "string.to_int(\"0xff\", 16) == 255", "not defined string.to_int(\"9223372036854775808\")",
            "string.to_int(\"-9223372036854775808\") == -9223372036854775807 - 1",
            "not defined string.to_int(\"1\", 1)",
            "string.to_int(\"12\\x00ab\") == 12", "string.length(\"a\\x00b\") == 3",
        ]
        for c in cases { #expect(try YaraModuleHarness.matches(c, abc), "\(c)") }
    }

    @Test func timeAndConsole() throws {
        #expect(try YaraModuleHarness.matches("time.now() > 1600000000", abc))
        #expect(try YaraModuleHarness.matches("console.log(\"vigil console test\") and console.log(\"n=\", 5)", abc))
        #expect(try YaraModuleHarness.matches("console.log(1.5) and console.log(\"f=\", 2) and console.hex(255)", abc))
        #expect(try YaraModuleHarness.matches("console.hex(\"h=\", 16) and console.log(\"m: \", \"a\\x01\")", abc))
        #expect(YaraConsoleModule.escaped([0x61, 0x01, 0x7F, 0x20]) == Array("a\\x01\\x7f ".utf8))
        #expect(YaraModuleText.printf("%f", 1.5) == Array("1.500000".utf8))
        #expect(YaraModuleText.printf("0x%llx", Int64(-1)) == Array("0xffffffffffffffff".utf8))
    }

    /// Test data: pseudo-random bytes, text, a run of zeros and a ramp.
    static let sample: [UInt8] = {
        var state: UInt32 = 12345
        var bytes: [UInt8] = (0..<1500).map { _ in
            state = state &* 1_103_515_245 &+ 12345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
        bytes += Array("The quick brown fox jumps over the lazy dog. 0123456789".utf8)
        bytes += [UInt8](repeating: 0, count: 300)
        bytes += (0..<256).map { UInt8($0) }
        return bytes
    }()

    /// Every (offset, size) and (text) overload over ranges inside, across the end of and outside the file.
    static var parityCalls: [(String, String, [YaraValue])] {
        let n = Int64(sample.count)
        let ranges: [(Int64, Int64)] = [
            (0, n), (0, 1), (0, 0), (1, 5), (7, 100), (100, 1400), (1500, 55), (1550, 400), (n - 1, 1), (n - 3, 50),
            (n, 1), (n + 5, 1), (-1, 5), (5, -1), (0, 6), (3, 12), (1555, 300),
        ]
        let texts: [[UInt8]] = [
            [], Array("a".utf8), Array("abc".utf8), Array("hello world, hello yara".utf8), [0, 0, 0, 0, 0, 0],
            Array(sample[0..<600]), (0..<256).map { UInt8($0) },
        ]
        var calls: [(String, String, [YaraValue])] = []
        for (o, s) in ranges {
            for f in ["md5", "sha1", "sha256", "checksum32", "crc32"] {
                calls.append(("hash", f, [.integer(o), .integer(s)]))
            }
            for f in ["entropy", "mean", "serial_correlation", "monte_carlo_pi", "mode"] {
                calls.append(("math", f, [.integer(o), .integer(s)]))
            }
            calls.append(("math", "deviation", [.integer(o), .integer(s), .float(127.5)]))
            calls.append(("math", "deviation", [.integer(o), .integer(s), .float(3.25)]))
            for b: Int64 in [0, 0x41, 0xFF, 0x161] {
                calls.append(("math", "count", [.integer(b), .integer(o), .integer(s)]))
                calls.append(("math", "percentage", [.integer(b), .integer(o), .integer(s)]))
            }
        }
        for t in texts {
            for f in ["md5", "sha1", "sha256", "checksum32", "crc32"] { calls.append(("hash", f, [.text(t)])) }
            for f in ["entropy", "mean", "serial_correlation", "monte_carlo_pi"] {
                calls.append(("math", f, [.text(t)]))
            }
            calls.append(("math", "deviation", [.text(t), .float(100.0)]))
            calls.append(("string", "length", [.text(t)]))
        }
        for b: Int64 in [0, 0x61, 0xFF, -1] {
            calls.append(("math", "count", [.integer(b)]))
            calls.append(("math", "percentage", [.integer(b)]))
        }
        calls.append(("math", "mode", []))
        for (a, b): (Int64, Int64) in [(1, 2), (-1, 5), (.min, .max), (0, -9)] {
            calls.append(("math", "min", [.integer(a), .integer(b)]))
            calls.append(("math", "max", [.integer(a), .integer(b)]))
        }
        for v: Int64 in [0, 5, -5, .max, .min + 1] { calls.append(("math", "abs", [.integer(v)])) }
        for v: Int64 in [0, 255, -255, .max, .min] {
            calls.append(("math", "to_string", [.integer(v)]))
            for base: Int64 in [8, 10, 16, 2] { calls.append(("math", "to_string", [.integer(v), .integer(base)])) }
        }
        for (x, lo, hi) in [(1.5, 1.0, 2.0), (0.5, 1.0, 2.0), (2.0, 1.0, 2.0)] {
            calls.append(("math", "in_range", [.float(x), .float(lo), .float(hi)]))
        }
        let numbers = [
            "0", "10", "-10", "0x1F", "0X1f", "017", "08", "  42", "42 ", "+3", "-", "", "abc", "0x",
            "9223372036854775807",
            "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "1e5", "0b101", "\t\n7",
        ]
        for s in numbers {
            calls.append(("string", "to_int", [.text(Array(s.utf8))]))
            for base: Int64 in [2, 8, 10, 16, 36, 0, 1, 37] {
                calls.append(("string", "to_int", [.text(Array(s.utf8)), .integer(base)]))
            }
        }
        return calls
    }

    private static func expression(_ module: String, _ function: String, _ arguments: [YaraValue]) -> String {
        "\(module).\(function)(\(arguments.map(YaraModuleHarness.literal).joined(separator: ", ")))"
    }

    @Test
    func valuesMatchLibyara() throws {
        var rules: [String: String] = [:]
        var described: [String: String] = [:]
        for (i, (module, function, arguments)) in Self.parityCalls.enumerated() {
            let value = YaraModuleHarness.call(module, function, arguments, data: Self.sample)
            let e = Self.expression(module, function, arguments)
            rules["r\(i)"] = YaraModuleHarness.assertion(e, value)
            described["r\(i)"] = "\(e) -> \(value.map { "\($0)" } ?? "undefined")"
        }
        let text = YaraModuleHarness.source(rules)
        let vigil = try YaraModuleHarness.matchingRules(text, Self.sample)
        let libyara = try YaraModuleHarness.libyaraMatchingRules(text, Self.sample)
        let all = Set(rules.keys)
        let vigilMisses = all.subtracting(vigil).sorted().map { described[$0]! }
        let libyaraMisses = all.subtracting(libyara).sorted().map { described[$0]! }
        #expect(vigilMisses.isEmpty, "Vigil's rules disagree with its own values: \(vigilMisses)")
        #expect(libyaraMisses.isEmpty, "\(libyaraMisses.count) of \(all.count) differ from libyara: \(libyaraMisses)")
    }
}
