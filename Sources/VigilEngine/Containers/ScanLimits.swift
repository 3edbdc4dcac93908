/// How far a scan descends into containers, with ClamAV's defaults and names (clamscan's `--max-*` options).
public struct ScanLimits: Sendable, Equatable {
    /// `MaxFileSize`: a member larger than this is not scanned (100 MiB).
    public var maxFileSize = 100 << 20
    /// `MaxScanSize`: once this many bytes of one file and its members were scanned, the rest is not (400 MiB).
    public var maxScanSize = 400 << 20
    /// `MaxRecursion`: containers nested deeper than this are not opened (17).
    public var maxRecursion = 17
    /// `MaxFiles`: at most this many members of one file are scanned (10000).
    public var maxFiles = 10_000
    /// `MaxScanTime`: a file's scan stops descending after this long (120 s).
    public var maxScanTime: Duration = .seconds(120)
    /// `--alert-exceeds-max`: a limit reached is reported as `Heuristics.Limits.Exceeded.<Limit>`; otherwise the
    /// descent stops silently.
    public var alertExceedsMax = false
    /// `--alert-encrypted`: an encrypted member is reported as `Heuristics.Encrypted.<Format>`.
    public var alertEncrypted = false
    /// `--alert-macros`: an OLE2 file with VBA macros is reported as `Heuristics.OLE2.ContainsMacros.VBA`.
    public var alertMacros = false

    /// Heuristic alerts that need no option in clamscan (`Heuristics.Zip.OverlappingFiles`): on, as clamscan's
    /// `--heuristic-alerts` is by default.
    public var heuristicAlerts = true

    /// ClamAV's defaults.
    public init() {}

    /// The limits a scan can reach, named as in `Heuristics.Limits.Exceeded.<name>`.
    public enum Limit: String, Sendable {
        case maxFileSize = "MaxFileSize"
        case maxScanSize = "MaxScanSize"
        case maxRecursion = "MaxRecursion"
        case maxFiles = "MaxFiles"
        case maxScanTime = "MaxScanTime"

        /// The detection name `--alert-exceeds-max` reports.
        public var heuristicName: String { "Heuristics.Limits.Exceeded.\(rawValue)" }
    }
}
