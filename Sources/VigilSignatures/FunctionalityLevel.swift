/// ClamAV's functionality level (FLEVEL) that Vigil answers to.
///
/// Signatures carry an optional minimum and maximum FLEVEL; clamscan 1.4.6 runs at 216 and skips any
/// signature whose range excludes it. Vigil uses the same number so that the same signatures load.
public enum FunctionalityLevel {
    /// The level Vigil's loader checks signature ranges against.
    public static let current = 216

    /// Whether a signature declaring `minimum` and `maximum` (either optional) applies at ``current``.
    public static func admits(minimum: Int?, maximum: Int?) -> Bool {
        if let minimum, minimum > current { return false }
        if let maximum, maximum < current { return false }
        return true
    }
}
