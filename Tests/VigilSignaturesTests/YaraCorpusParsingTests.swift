import Foundation
import Testing
import VigilSignatures
import VigilTestSupport

/// Every rule of the real rule sets, and every rule of the conformance cases libyara accepts, parses.
@Suite("YARA corpora parse")
struct YaraCorpusParsingTests {
    @Test func ditekshenAndPEiDRuleSetsParse() throws {
        let directory = try SharedMaterial.path("corpora/ditekshen/yara")
        var files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yar") }
            .map { directory + "/" + $0 }
        files.append(try SharedMaterial.path("corpora/yara-rules/peid.yar"))
        var rules = 0
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            do {
                rules += try YaraParser.parse(bytes, file: file).rules.count
            } catch {
                Issue.record("\(error.renderedWithExcerpt)")
            }
        }
        // What yara-python 4.5.4 compiles from the same files (the other 45 `rule` lines are inside comments).
        #expect(rules == 9_174)
    }

    @Test func conformanceCasesParse() throws {
        var failures: [String] = []
        for c in try SharedMaterial.yaraCases() {
            do {
                _ = try YaraParser.parse(Array(c.rule.utf8), file: "case")
            } catch {
                failures.append("\(c.source): \(c.rule)\n\(error.renderedWithExcerpt)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) cases:\n\(failures.prefix(40).joined(separator: "\n"))")
    }
}
