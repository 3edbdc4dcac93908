import VigilEngine
import VigilSystem

/// The `vigil scan` command as a library: walk the paths, scan on every core, report as clamscan does.

/// Everything `vigil scan` was asked to do.
public struct ScanConfiguration: Sendable {
    /// Files, directories, or `-` for standard input.
    public var paths: [FilePath]
    /// `-d` paths; empty for the default search.
    public var databases: [String] = []
    /// `-i`: print infected files (and errors) only.
    public var infectedOnly = false
    /// `--no-summary`.
    public var summary = true
    /// `-z`: report every matching signature.
    public var allMatch = false
    /// `-j`: worker threads.
    public var jobs: Int
    /// `--json`: NDJSON on standard output.
    public var json = false
    /// `--follow-symlinks`: follow symbolic links met while walking directories.
    public var followSymlinks = false
    /// `--detect-pua`: load potentially-unwanted-application signature files.
    public var detectPUA = false
    /// YARA external variables (`--define NAME=VALUE`), in order.
    public var externals: [(name: String, value: YaraValue)] = []
    /// `--exclude`: POSIX extended regexes; matching file paths are not scanned.
    public var exclude: [String] = []
    /// `--exclude-dir`: POSIX extended regexes; matching directories are not entered.
    public var excludeDirectories: [String] = []
    /// `--max-filesize`, `--max-scansize`, `--max-recursion`, `--max-files`, `--max-scantime`,
    /// `--alert-exceeds-max`, `--alert-encrypted`: how far into containers a scan goes (ClamAV's defaults).
    public var limits = ScanLimits()
    /// Show the progress line (only honoured when standard error is a terminal and JSON is off).
    public var progress = true

    /// A configuration with clamscan's defaults.
    public init(paths: [FilePath], jobs: Int) {
        self.paths = paths
        self.jobs = jobs
    }
}

/// Parses a size as clamscan's options take it: bytes, or a number with `K` / `M` / `G` (KiB, MiB, GiB).
public func parseSize(_ text: String) -> Int? {
    guard let last = text.last else { return nil }
    let multiplier: Int
    var digits = Substring(text)
    switch last {
    case "k", "K": multiplier = 1 << 10
    case "m", "M": multiplier = 1 << 20
    case "g", "G": multiplier = 1 << 30
    default: multiplier = 1
    }
    if multiplier != 1 { digits = digits.dropLast() }
    guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits),
        value <= Int.max / multiplier
    else { return nil }
    return value * multiplier
}
