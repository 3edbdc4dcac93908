import VigilSystem

/// The totals of a scan, printed as clamscan's `SCAN SUMMARY` block or as the closing NDJSON object.
public struct ScanSummary: Sendable {
    /// Signatures loaded ("Known viruses").
    public var knownSignatures = 0
    /// Directories entered.
    public var directories = 0
    /// Files scanned (empty and unreadable files are not counted, as in clamscan).
    public var files = 0
    /// Files with at least one detection.
    public var infected = 0
    /// Paths that ended in an error line.
    public var errors = 0
    /// Bytes run through the matcher.
    public var bytesScanned = 0
    /// Bytes read from files.
    public var bytesRead = 0
    /// Wall-clock start and end, seconds since the epoch.
    public var start = 0.0, end = 0.0
    /// The newest signature file's modification time; `nil` for the built-in set.
    public var databaseModified: Int?

    /// The exit status: 1 if anything was found, else 2 if any error, else 0.
    public var exitCode: Int32 { infected > 0 ? 1 : (errors > 0 ? 2 : 0) }

    /// The engine version printed in the summary.
    public static let engineVersion = "vigil 0.1.0"

    static func mebibytes(_ bytes: Int) -> String { fixed(Double(bytes) / 1_048_576, digits: 2) }

    var databaseAge: String {
        guard let modified = databaseModified else { return "built-in" }
        let seconds = max(0, Int(end) - modified)
        let (days, hours) = (seconds / 86_400, seconds % 86_400 / 3_600)
        return "\(days) d \(hours) h (newest file \(formatLocalTime(modified, "%Y:%m:%d %H:%M:%S")))"
    }

    /// clamscan's block, with the database's age after the engine version.
    var text: String {
        let elapsed = end - start
        let ratio = bytesRead == 0 ? 0 : Double(bytesScanned) / Double(bytesRead)
        var lines = [
            "", "----------- SCAN SUMMARY -----------",
            "Known viruses: \(knownSignatures)",
            "Engine version: \(Self.engineVersion)",
            "Database age: \(databaseAge)",
            "Scanned directories: \(directories)",
            "Scanned files: \(files)",
            "Infected files: \(infected)",
        ]
        if errors > 0 { lines.append("Total errors: \(errors)") }
        lines += [
            "Data scanned: \(Self.mebibytes(bytesScanned)) MB",
            "Data read: \(Self.mebibytes(bytesRead)) MB (ratio \(fixed(ratio, digits: 2)):1)",
            "Time: \(fixed(elapsed, digits: 3)) sec (\(Int(elapsed) / 60) m \(Int(elapsed) % 60) s)",
            "Start Date: \(formatLocalTime(Int(start), "%Y:%m:%d %H:%M:%S"))",
            "End Date:   \(formatLocalTime(Int(end), "%Y:%m:%d %H:%M:%S"))",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The closing NDJSON object.
    var json: String {
        var o = JSONObject()
        o["summary"] = .bool(true)
        o["known_viruses"] = .integer(knownSignatures)
        o["engine_version"] = .string(Self.engineVersion)
        o["database_age_seconds"] = databaseModified.map { .integer(max(0, Int(end) - $0)) } ?? .null
        o["scanned_directories"] = .integer(directories)
        o["scanned_files"] = .integer(files)
        o["infected_files"] = .integer(infected)
        o["errors"] = .integer(errors)
        o["data_scanned"] = .integer(bytesScanned)
        o["data_read"] = .integer(bytesRead)
        o["time_seconds"] = .number(end - start)
        return o.rendered + "\n"
    }
}
