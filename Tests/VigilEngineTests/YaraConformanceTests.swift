import Testing
import VigilEngine
import VigilSignatures
import VigilTestSupport

/// Every conformance case libyara 4.5 agrees with (YARA-X's tests, `../shared/conformance/yara`) gives
/// libyara's answer: the rule matches or not, and the first match covers the expected bytes.
@Suite("YARA conformance")
struct YaraConformanceTests {
    @Test func casesLibyaraAgreesWithPass() throws {
        var failures: [String] = []
        var passed = 0
        let cases = try SharedMaterial.yaraCases()
        for c in cases {
            let outcome: String
            do {
                var compiler = YaraCompiler()
                try compiler.add(try YaraParser.parse(Array(c.rule.utf8), file: "case"), namespace: "default")
                let rules = compiler.finish()
                let matches = c.data.withUnsafeBytes { rules.scan($0) }
                switch c.kind {
                case "match": outcome = matches.isEmpty ? "no match" : "ok"
                case "no_match": outcome = matches.isEmpty ? "ok" : "matched"
                default:
                    let first = matches.first?.strings.first?.matches.first
                    let data = first.map { Array(c.data[$0.offset..<($0.offset + $0.length)]) }
                    outcome = data == c.matched ? "ok" : "matched \(data.map(hex) ?? "nothing")"
                }
            } catch {
                outcome = error.renderedWithExcerpt
            }
            if outcome == "ok" {
                passed += 1
            } else {
                failures.append("\(c.source) \(c.kind): \(c.rule)\n  \(outcome)")
            }
        }
        #expect(failures.isEmpty, "\(passed) of \(cases.count) pass; failing:\n\(failures.joined(separator: "\n"))")
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
