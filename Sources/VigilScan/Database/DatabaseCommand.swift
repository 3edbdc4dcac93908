import VigilDatabase
import VigilEngine
import VigilSystem

/// `vigil db compile` and `vigil db info`: compiled databases (`.vdb`) for users and scripts. Each returns the
/// process exit status (0 done, 2 an error).
public enum DatabaseCommand {
    /// Compiles the signatures at `paths` into `output` and prints what was written.
    public static func compile(_ paths: [String], detectPUA: Bool, output: String) -> Int32 {
        let started = monotonicSeconds()
        let note = ["compiled by \(ScanSummary.engineVersion) on \(formatLocalTime(Int(wallClockSeconds()), "%Y-%m-%d %H:%M:%S %z"))"]
        let result: CompiledDatabase.CompileResult
        do {
            result = try CompiledDatabase.compile(paths, detectPUA: detectPUA, to: output, note: note)
        } catch {
            FileDescriptor.standardError.writeAll("ERROR: \(error)\n")
            return 2
        }
        for warning in result.warnings { FileDescriptor.standardError.writeAll("WARNING: \(warning)\n") }
        let seconds = monotonicSeconds() - started
        FileDescriptor.standardOutput.writeAll(
            "Compiled \(result.signatureCount) signatures from \(result.files.count) files into \(output) "
                + "(\(result.size) bytes) in \(fixed(seconds, digits: 2)) s\n")
        return 0
    }

    /// Prints a compiled database's format, size, signature counts and provenance, after checking it whole.
    public static func info(_ path: String) -> Int32 {
        let inspected: (header: ImageHeader, engine: Engine)
        do {
            inspected = try CompiledDatabase.inspect(path)
        } catch {
            FileDescriptor.standardError.writeAll("ERROR: \(error)\n")
            return 2
        }
        let (header, engine) = inspected
        let c = engine.counts
        var lines = [
            "\(path): Vigil compiled database, format version \(header.version)",
            "Size: \(header.length) bytes, checksum \(hex(header.checksum)) verified",
            "Signatures: \(header.signatureCount)",
        ]
        let kinds: [(String, Int)] = [
            ("MD5 file hashes (.hdb)", c.md5), ("SHA1 file hashes (.hsb)", c.sha1),
            ("SHA256 file hashes (.hsb)", c.sha256), ("PE section hashes (.mdb .msb)", c.sections),
            ("import table hashes (.imp)", c.imports), ("allow-listed hashes (.fp .sfp)", c.allowed),
            ("body signatures (.ndb)", c.bodies), ("logical signatures (.ldb)", c.logicals),
            ("container metadata signatures (.cdb)", c.containers),
        ]
        for (label, count) in kinds where count > 0 { lines.append("  \(label): \(count)") }
        if engine.detectsEICAR { lines.append("  built-in test signatures: included") }
        lines += engine.provenance.map { "  \($0)" }
        FileDescriptor.standardOutput.writeAll(lines.joined(separator: "\n") + "\n")
        return 0
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
