import Foundation
import Testing
import VigilSignatures

@testable import VigilEngine

/// Helpers for the module tests: compiling and scanning rules, calling module functions directly, writing
/// expressions as YARA source and asking yara-python (libyara 4.5) which rules match.
enum YaraModuleHarness {
    /// Whether a rule with `condition`, importing every module, matches `data`.
    static func matches(_ condition: String, _ data: [UInt8]) throws -> Bool {
        try matchingRules(source(["t": condition]), data) == ["t"]
    }

    /// The names of the rules in `text` that match `data`.
    static func matchingRules(_ text: String, _ data: [UInt8]) throws -> Set<String> {
        var compiler = YaraCompiler()
        try compiler.add(try YaraParser.parse(Array(text.utf8), file: "t"), namespace: "default")
        let rules = compiler.finish()
        return Set(data.withUnsafeBytes { rules.scan($0) }.map(\.rule))
    }

    /// Rules named by the keys, with the values as conditions, importing every module.
    static func source(_ rules: [String: String]) -> String {
        let imports = ["hash", "math", "string", "time", "console", "elf"].map { "import \"\($0)\"\n" }.joined()
        return imports + rules.sorted { $0.key < $1.key }.map { "rule \($0.key) { condition: \($0.value) }\n" }.joined()
    }

    /// A module function's result for `arguments`, through the overload the compiler would pick.
    static func call(_ module: String, _ function: String, _ arguments: [YaraValue], data: [UInt8]) -> YaraValue? {
        guard let m = YaraModules.all.first(where: { $0.name == module }),
            case .function(let overloads) = m.schema[function]
        else { return nil }
        let kinds: [YaraArgument] = arguments.map {
            switch $0 {
            case .float: .float
            case .text: .text
            default: .integer
            }
        }
        guard
            let overload = overloads.first(where: { o in
                o.arguments.count == kinds.count
                    && zip(o.arguments, kinds).allSatisfy { $0 == $1 || ($0 == .float && $1 == .integer) }
            })
        else { return nil }
        let values = zip(overload.arguments, arguments).map { kind, value in
            kind == .float ? YaraValue.float(value.float ?? 0) : value
        }
        return data.withUnsafeBytes { buffer in
            overload.body(YaraCall(arguments: values, expressions: [], data: buffer, structure: m.load(buffer)))
        }
    }

    /// A value as a YARA literal.
    static func literal(_ value: YaraValue) -> String {
        switch value {
        case .integer(let v): return v == .min ? "(-9223372036854775807 - 1)" : String(v)
        case .boolean(let b): return b ? "true" : "false"
        case .float(let v): return decimal(v)
        case .text(let t): return quoted(t)
        }
    }

    /// A condition true exactly when `expression` has the value (floats within 1e-9 relative).
    static func assertion(_ expression: String, _ value: YaraValue?) -> String {
        switch value {
        case nil: return "not defined \(expression)"
        case .float(let v) where v.isNaN:
            return "defined \(expression) and not (\(expression) >= 0.0) and not (\(expression) < 0.0)"
        case .float(let v):
            let tolerance = max(abs(v) * 1e-9, 1e-12)
            return "\(expression) >= \(decimal(v - tolerance)) and \(expression) <= \(decimal(v + tolerance))"
        case .some(let v): return "\(expression) == \(literal(v))"
        }
    }

    private static func decimal(_ v: Double) -> String {
        let text = String(format: "%.20f", abs(v))
        return v < 0 ? "(-\(text))" : text
    }

    private static func quoted(_ t: [UInt8]) -> String {
        var s = "\""
        for b in t {
            switch b {
            case UInt8(ascii: "\""): s += "\\\""
            case UInt8(ascii: "\\"): s += "\\\\"
            case 0x20..<0x7F: s.append(Character(Unicode.Scalar(b)))
            default: s += String(format: "\\x%02x", b)
            }
        }
        return s + "\""
    }

    /// The repository's root, found from this file's path.
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// The checkout's Python with yara-python 4.5.4 (`scripts/ensure-deps yara`, which the test script runs).
    static var python: URL { root.appendingPathComponent(".build-venv/bin/python") }

    /// Runs a Python script with arguments and returns its standard output; fails the test without yara-python.
    static func runPython(_ script: String, _ arguments: [String]) throws -> Data {
        try #require(
            FileManager.default.isExecutableFile(atPath: python.path),
            "no yara-python at \(python.path): run scripts/ensure-deps yara")
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", script] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }

    /// The rules in `text` that libyara (yara-python) matches against `data`.
    static func libyaraMatchingRules(_ text: String, _ data: [UInt8]) throws -> Set<String> {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-modules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rulesURL = dir.appendingPathComponent("rules.yar")
        let dataURL = dir.appendingPathComponent("data.bin")
        try text.write(to: rulesURL, atomically: true, encoding: .utf8)
        try Data(data).write(to: dataURL)
        let script = """
            import sys, json, yara
            rules = yara.compile(filepath=sys.argv[1])
            data = open(sys.argv[2], 'rb').read()
            print(json.dumps([m.rule for m in rules.match(data=data, console_callback=lambda m: None)]))
            """
        let output = try runPython(script, [rulesURL.path, dataURL.path])
        let names = try JSONSerialization.jsonObject(with: output) as? [String] ?? []
        return Set(names)
    }
}
