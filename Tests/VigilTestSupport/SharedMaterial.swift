import Foundation
import Testing

/// The shared material beside the repository (`../shared`): real rule sets and YARA-X's test cases.
public enum SharedMaterial {
    /// `../shared`, found from this file's place in the repository.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared").path

    /// The path of `relative` inside the shared material; the test fails when it is missing.
    public static func path(_ relative: String) throws -> String {
        let path = root + "/" + relative
        try #require(FileManager.default.fileExists(atPath: path), "missing shared material \(path)")
        return path
    }

    /// The conformance cases of `conformance/yara/cases.jsonl` that libyara 4.5 agrees with.
    public static func yaraCases() throws -> [YaraCase] {
        let path = try self.path("conformance/yara/cases.jsonl")
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            guard object["libyara_4_5_agrees"] as? Bool == true else { return nil }
            return YaraCase(
                source: object["source"] as? String ?? "", kind: object["kind"] as? String ?? "",
                rule: object["rule"] as? String ?? "", data: hexBytes(object["data_hex"] as? String ?? ""),
                matched: (object["matched_hex"] as? String).map(hexBytes))
        }
    }

    private static func hexBytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).map {
            UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)!
        }
    }
}

/// One conformance case: a rule, data, and whether it matches (`match`, `no_match`), or the data its first
/// string match covers (`match_data`).
public struct YaraCase: Sendable {
    public var source: String
    public var kind: String
    public var rule: String
    public var data: [UInt8]
    public var matched: [UInt8]?
}
