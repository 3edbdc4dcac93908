import Foundation
import Testing
import VigilSignatures

/// The shared material beside the repository (`../shared`): real rule sets and YARA-X's test cases.
enum SharedMaterial {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared").path

    static func path(_ relative: String) throws -> String {
        let path = root + "/" + relative
        try #require(FileManager.default.fileExists(atPath: path), "missing shared material \(path)")
        return path
    }
}

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
        let path = try SharedMaterial.path("conformance/yara/cases.jsonl")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        var failures: [String] = []
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            guard object["libyara_4_5_agrees"] as? Bool == true, let rule = object["rule"] as? String else { continue }
            do {
                _ = try YaraParser.parse(Array(rule.utf8), file: "case")
            } catch {
                failures.append("\(object["source"] ?? ""): \(rule)\n\(error.renderedWithExcerpt)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) cases:\n\(failures.prefix(40).joined(separator: "\n"))")
    }
}
