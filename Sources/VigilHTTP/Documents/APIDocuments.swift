import VigilScan
import VigilService

/// One buffer the scan endpoint scanned (the raw body, or one part of a multipart upload) and its verdict.
struct ScannedPart: Sendable {
    /// The part's position among the scanned parts (0 for a raw body).
    var index: Int
    /// The part's `filename` (`nil` for a raw body and for parts without one).
    var filename: String?
    /// The part's form field `name` (`nil` for a raw body).
    var field: String?
    /// What the engine said.
    var verdict: ScanVerdict
}

/// The JSON documents the API answers with; `docs/openapi.json` describes each (the schema named in each comment).
enum APIDocument {
    /// `ScanResult`: the verdict on every scanned part together.
    static func scanResult(_ parts: [ScannedPart], database: ServingDatabase, now: Double) -> JSONValue {
        var detections: [JSONValue] = []
        var files: [JSONValue] = []
        for part in parts {
            for detection in part.verdict.detections {
                detections.append(
                    .object(
                        JSONObject([
                            "name": .string(detection.name),
                            "chain": .array(detection.chain.map { .string($0) }),
                            "file": .string(part.filename),
                            "part": .integer(part.index),
                        ])))
            }
            files.append(
                .object(
                    JSONObject([
                        "part": .integer(part.index),
                        "file": .string(part.filename),
                        "field": .string(part.field),
                        "bytes": .integer(part.verdict.bytesScanned),
                        "infected": .bool(!part.verdict.detections.isEmpty),
                    ])))
        }
        return .object(
            JSONObject([
                "infected": .bool(!detections.isEmpty),
                "detections": .array(detections),
                "files": .array(files),
                "bytes_scanned": .integer(parts.reduce(0) { $0 + $1.verdict.bytesScanned }),
                "duration_seconds": .number(parts.reduce(0) { $0 + $1.verdict.duration }, digits: 6),
                "database": self.database(database, now: now),
            ]))
    }

    /// `Version`: the engine and the database serving now.
    static func version(database: ServingDatabase, now: Double) -> JSONValue {
        .object(
            JSONObject([
                "engine": .string(ScanSummary.engineVersion),
                "database": self.database(database, now: now),
            ]))
    }

    /// `Health`.
    static let health = JSONValue.object(JSONObject(["status": .string("ok")]))

    /// `Error`.
    static func error(_ message: String) -> JSONValue {
        .object(JSONObject(["error": .string(message)]))
    }

    /// `Database`: which database a verdict came from, and how old it is.
    static func database(_ database: ServingDatabase, now: Double) -> JSONValue {
        .object(
            JSONObject([
                "version": .string(database.versionName),
                "build_time": .integer(database.buildTime),
                "age_seconds": .integer(database.buildTime.map { max(0, Int(now) - $0) }),
                "signatures": .integer(database.engine.signatureCount),
                "loaded_at": .integer(Int(database.loadedAt)),
            ]))
    }
}
