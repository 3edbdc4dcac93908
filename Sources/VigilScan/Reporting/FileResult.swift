import VigilEngine
import VigilSystem

/// The verdict on one path.
public struct FileResult: Sendable {
    /// What became of the path.
    public enum Status: Sendable, Equatable {
        /// Scanned, nothing found.
        case clean
        /// Scanned, signatures matched.
        case infected([Detection])
        /// Could not be scanned.
        case error(String)
        /// Deliberately not scanned, with clamscan's wording ("Empty file", "Symbolic link").
        case skipped(String)
    }

    /// The path as named on the command line or found by the walk (`stdin` for `-`).
    public var path: FilePath
    /// The verdict.
    public var status: Status
    /// The file's size in bytes, where known.
    public var size: Int?
}

/// Formats results and the summary as clamscan prints them, or as NDJSON.
enum ResultFormat {
    /// clamscan's lines: `PATH: NAME FOUND`, `PATH: OK`, `PATH: REASON ERROR`, `PATH: Empty file`; the path's
    /// own bytes, as clamscan prints a name that is not UTF-8.
    static func text(_ result: FileResult, infectedOnly: Bool) -> [UInt8] {
        func line(_ text: String) -> [UInt8] { result.path.bytes + Array(": \(text)\n".utf8) }
        switch result.status {
        case .infected(let detections): return detections.flatMap { line("\($0.name) FOUND") }
        case .clean: return infectedOnly ? [] : line("OK")
        case .error(let reason): return line("\(reason) ERROR")
        case .skipped(let text): return infectedOnly ? [] : line(text)
        }
    }

    /// One JSON object on a line: path, status, detections, size (and the reason for errors and skips). A path that
    /// is not UTF-8 shows U+FFFD for each byte that is not, as JSON text can hold nothing else.
    static func json(_ result: FileResult, infectedOnly: Bool) -> String {
        var object = JSONObject()
        object["path"] = .string(result.path.description)
        switch result.status {
        case .infected(let detections):
            object["status"] = .string("FOUND")
            object["detections"] = .array(detections.map(json))
        case .clean:
            guard !infectedOnly else { return "" }
            object["status"] = .string("OK")
            object["detections"] = .array([])
        case .error(let reason):
            object["status"] = .string("ERROR")
            object["detections"] = .array([])
            object["reason"] = .string(reason)
        case .skipped(let reason):
            guard !infectedOnly else { return "" }
            object["status"] = .string("SKIPPED")
            object["detections"] = .array([])
            object["reason"] = .string(reason)
        }
        object["size"] = result.size.map { .integer($0) } ?? .null
        return object.rendered + "\n"
    }

    static func json(_ detection: Detection) -> JSONValue {
        var object = JSONObject()
        object["name"] = .string(detection.name)
        switch detection.kind {
        case .hash(let algorithm):
            object["signature"] = .string("hash")
            object["algorithm"] = .string(algorithm.description)
        case .body: object["signature"] = .string("body")
        case .logical: object["signature"] = .string("logical")
        case .containerMetadata: object["signature"] = .string("container-metadata")
        case .eicar: object["signature"] = .string("builtin")
        case .heuristic: object["signature"] = .string("heuristic")
        case .yara: object["signature"] = .string("yara")
        }
        if let yara = detection.yara { json(yara, into: &object) }
        // The members leading to the match inside the file, outermost first (empty for the file itself).
        object["chain"] = .array(detection.chain.map { .string($0) })
        return .object(object)
    }

    /// A YARA rule's details: namespace, rule, tags, metadata (in order; keys may repeat) and every match of
    /// each non-private string.
    private static func json(_ match: YaraRuleMatch, into object: inout JSONObject) {
        object["namespace"] = .string(match.namespace)
        object["rule"] = .string(match.rule)
        object["tags"] = .array(match.tags.map { .string($0) })
        object["metadata"] = .array(
            match.metadata.map { entry in
                let value: JSONValue =
                    switch entry.value {
                    case .text(let bytes): .string(String(decoding: bytes, as: UTF8.self))
                    case .integer(let v): .integer(Int(v))
                    case .boolean(let b): .bool(b)
                    }
                return .object(JSONObject(["key": .string(entry.key), "value": value]))
            })
        object["strings"] = .array(
            match.strings.map { string in
                .object(
                    JSONObject([
                        "identifier": .string(string.identifier),
                        "matches": .array(
                            string.matches.map { m in
                                .object(JSONObject(["offset": .integer(m.offset), "length": .integer(m.length)]))
                            }),
                    ]))
            })
    }
}
