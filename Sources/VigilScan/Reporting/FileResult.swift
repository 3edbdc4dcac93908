import VigilEngine

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
    public var path: String
    /// The verdict.
    public var status: Status
    /// The file's size in bytes, where known.
    public var size: Int?
}

/// Formats results and the summary as clamscan prints them, or as NDJSON.
enum ResultFormat {
    /// clamscan's lines: `PATH: NAME FOUND`, `PATH: OK`, `PATH: REASON ERROR`, `PATH: Empty file`.
    static func text(_ result: FileResult, infectedOnly: Bool) -> String {
        switch result.status {
        case .infected(let detections):
            return detections.map { "\(result.path): \($0.name) FOUND\n" }.joined()
        case .clean: return infectedOnly ? "" : "\(result.path): OK\n"
        case .error(let reason): return "\(result.path): \(reason) ERROR\n"
        case .skipped(let text): return infectedOnly ? "" : "\(result.path): \(text)\n"
        }
    }

    /// One JSON object on a line: path, status, detections, size (and the reason for errors and skips).
    static func json(_ result: FileResult, infectedOnly: Bool) -> String {
        var object = JSONObject()
        object["path"] = .string(result.path)
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
        }
        // The members leading to the match inside the file, outermost first (empty for the file itself).
        object["chain"] = .array(detection.chain.map { .string($0) })
        return .object(object)
    }
}
