import ArgumentParser
import VigilEngine
import VigilScan
import VigilSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The `vigil` command: argument parsing and wiring only; the work is in the libraries.
@main
struct Vigil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "An open, auditable anti-malware scanner that reads ClamAV signatures.",
        version: ScanSummary.engineVersion,
        subcommands: [Scan.self, Database.self, Serve.self])

    /// Usage errors exit with status 2, like every other error (DESIGN.md: 0 clean, 1 found, 2 error),
    /// instead of ArgumentParser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || code.rawValue == 1 || code.rawValue == 2 { exit(withError: error) }
            FileDescriptor.standardError.writeAll(fullMessage(for: error) + "\n")
            Glibc.exit(2)
        }
    }
}

/// `vigil scan`: clamscan's options, clamscan's output.
struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scan files, directory trees, or standard input (-).",
        discussion: "Exit status: 0 nothing found, 1 something found, 2 an error (1 wins when both).")

    @Option(
        name: [.short, .customLong("database")], help: "Signature file or directory (repeatable), or one compiled .vdb."
    )
    var database: [String] = []

    @Flag(name: [.short, .customLong("infected")], help: "Print infected files only.")
    var infected = false

    @Flag(name: .customLong("no-summary"), help: "Do not print the summary.")
    var noSummary = false

    @Flag(name: [.customShort("z"), .customLong("allmatch")], help: "Report every matching signature.")
    var allMatch = false

    @Option(name: [.short, .customLong("jobs")], help: "Worker threads (default: all cores).")
    var jobs: Int?

    @Flag(name: .customLong("json"), help: "NDJSON: one object per file, then a summary object.")
    var json = false

    @Flag(name: .customLong("follow-symlinks"), help: "Follow symbolic links found in directories.")
    var followSymlinks = false

    @Flag(
        name: .customLong("detect-pua"),
        help: "Load potentially-unwanted-application signatures (.hdu .hsu .ndu .ldu ...).")
    var detectPUA = false

    @Option(name: .customLong("exclude"), help: "Do not scan files whose path matches this POSIX regex.")
    var exclude: [String] = []

    @Option(name: .customLong("exclude-dir"), help: "Do not enter directories whose path matches this POSIX regex.")
    var excludeDir: [String] = []

    @Option(
        name: .customLong("max-filesize"),
        help: "Do not scan files larger than this (bytes, or a number with K, M or G).")
    var maxFileSize: String = "100M"

    @Option(name: .customLong("max-scansize"), help: "Do not scan files larger than this (ClamAV's MaxScanSize).")
    var maxScanSize: String = "400M"

    @Option(name: .customLong("max-recursion"), help: "Do not open containers nested deeper than this (default 17).")
    var maxRecursion: Int = 17

    @Option(
        name: .customLong("max-files"), help: "Scan at most this many files of one file's containers (default 10000).")
    var maxFiles: Int = 10_000

    @Option(
        name: .customLong("max-scantime"),
        help: "Stop descending into one file's containers after this many milliseconds (default 120000).")
    var maxScanTime: Int = 120_000

    @Flag(name: .customLong("alert-exceeds-max"), help: "Report a limit reached as Heuristics.Limits.Exceeded.<Limit>.")
    var alertExceedsMax = false

    @Flag(
        name: [.customLong("alert-encrypted"), .customLong("alert-encrypted-archive")],
        help: "Report encrypted archive members as Heuristics.Encrypted.<Format>.")
    var alertEncrypted = false

    @Flag(
        name: .customLong("alert-macros"),
        help: "Report OLE2 files with VBA macros as Heuristics.OLE2.ContainsMacros.VBA.")
    var alertMacros = false

    @Option(
        name: .customLong("heuristic-alerts"),
        help: "yes (default) or no: heuristic alerts needing no other option (Heuristics.Zip.OverlappingFiles).")
    var heuristicAlerts: String = "yes"

    @Flag(name: .customLong("no-progress"), help: "Never show the progress line.")
    var noProgress = false

    @Option(
        name: .customLong("define"),
        help: "A YARA external variable, NAME=VALUE (true/false, an integer, a float, else text; repeatable).")
    var define: [String] = []

    @Argument(help: "Files, directories, or - for standard input (default: the current directory).")
    var paths: [String] = []

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if !["yes", "no"].contains(heuristicAlerts) {
            throw ValidationError("--heuristic-alerts: expected yes or no, not '\(heuristicAlerts)'")
        }
        if parseSize(maxFileSize) == nil { throw ValidationError("--max-filesize: invalid size '\(maxFileSize)'") }
        if parseSize(maxScanSize) == nil { throw ValidationError("--max-scansize: invalid size '\(maxScanSize)'") }
        if maxRecursion < 1 { throw ValidationError("--max-recursion must be at least 1") }
        if maxFiles < 1 { throw ValidationError("--max-files must be at least 1") }
        if maxScanTime < 1 { throw ValidationError("--max-scantime must be at least 1 millisecond") }
        for d in define
        where !(d.split(separator: "=", maxSplits: 1).first.map { !$0.isEmpty && d.contains("=") } ?? false) {
            throw ValidationError("--define: expected NAME=VALUE, not '\(d)'")
        }
    }

    func run() throws {
        var configuration = ScanConfiguration(
            paths: paths.isEmpty ? ["."] : paths.map(commandLinePath), jobs: jobs ?? onlineProcessorCount())
        configuration.databases = database
        configuration.infectedOnly = infected
        configuration.summary = !noSummary
        configuration.allMatch = allMatch
        configuration.json = json
        configuration.followSymlinks = followSymlinks
        configuration.detectPUA = detectPUA
        configuration.exclude = exclude
        configuration.excludeDirectories = excludeDir
        configuration.limits.maxFileSize = parseSize(maxFileSize)!
        configuration.limits.maxScanSize = parseSize(maxScanSize)!
        configuration.limits.maxRecursion = maxRecursion
        configuration.limits.maxFiles = maxFiles
        configuration.limits.maxScanTime = .milliseconds(maxScanTime)
        configuration.limits.alertExceedsMax = alertExceedsMax
        configuration.limits.alertEncrypted = alertEncrypted
        configuration.limits.alertMacros = alertMacros
        configuration.limits.heuristicAlerts = heuristicAlerts == "yes"
        configuration.progress = !noProgress
        configuration.externals = define.map { d in
            let parts = d.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), YaraValue(parsing: String(parts[1])))
        }
        let status = ScanCommand.run(configuration)
        if status != 0 { throw ExitCode(status) }
    }
}

/// `vigil db`: compiled databases.
struct Database: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Compile signature databases into one file that loads in milliseconds, and inspect it.",
        subcommands: [Compile.self, Info.self])

    /// `vigil db compile`.
    struct Compile: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile signature files (.cvd .ndb .ldb .hdb ...) into a .vdb for 'vigil scan -d FILE.vdb'.",
            discussion: "The output is replaced only once the new file is complete.")

        @Option(name: [.short, .customLong("database")], help: "Signature file or directory (repeatable).")
        var database: [String] = []

        @Option(name: [.short, .customLong("output")], help: "The compiled database to write (FILE.vdb).")
        var output: String

        @Flag(name: .customLong("detect-pua"), help: "Include potentially-unwanted-application signatures.")
        var detectPUA = false

        func validate() throws {
            if database.isEmpty { throw ValidationError("give the signatures to compile with -d PATH") }
            if !output.hasSuffix(".vdb") { throw ValidationError("the output must end in .vdb: '\(output)'") }
        }

        func run() throws {
            let status = DatabaseCommand.compile(database, detectPUA: detectPUA, output: output)
            if status != 0 { throw ExitCode(status) }
        }
    }

    /// `vigil db info`.
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a compiled database whole and print its format, signature counts and sources.")

        @Argument(help: "The compiled database (FILE.vdb).")
        var path: String

        func run() throws {
            let status = DatabaseCommand.info(path)
            if status != 0 { throw ExitCode(status) }
        }
    }
}

/// The bytes the user typed for `argument`: ArgumentParser sees the command line as Swift strings, where each byte
/// of a file name that is not UTF-8 became U+FFFD; the raw `argv` entry that decodes to the same text names the file.
func commandLinePath(_ argument: String) -> FilePath {
    for index in 1..<Int(CommandLine.argc) {
        guard let raw = CommandLine.unsafeArgv[index] else { continue }
        let bytes = UnsafeRawBufferPointer(start: raw, count: strlen(raw))
        if String(decoding: bytes, as: UTF8.self) == argument { return FilePath(bytes: bytes) }
    }
    return FilePath(argument)
}
