import VigilDatabase
import VigilEngine
import VigilScan
import VigilSystem

/// What a daemon scans with, and what it knows about it: the engine of one database load.
public struct ServingDatabase: Sendable {
    /// The loaded database.
    public let loaded: LoadedDatabase
    /// The highest version among the ClamAV containers loaded (the `daily` version clamd reports), if any.
    public let version: Int?
    /// When the database was built, seconds since the epoch: the build time of the container with that version,
    /// else the newest signature file's modification time; `nil` for the built-in set.
    public let buildTime: Int?
    /// When this database began serving (seconds since the epoch).
    public let loadedAt: Double

    init(_ loaded: LoadedDatabase) {
        self.loaded = loaded
        let newest = loaded.containers.max { $0.header.version < $1.header.version }
        version = newest.map { $0.header.version }
        buildTime = newest?.header.buildTimeSeconds ?? loaded.newestModification
        loadedAt = wallClockSeconds()
    }

    /// The engine.
    public var engine: Engine { loaded.engine }

    /// A short name for the database, for logs and the HTTP API: the container version, else `custom` (signature
    /// files) or `builtin`.
    public var versionName: String {
        if let version { return String(version) }
        return loaded.isBuiltin ? "builtin" : "custom"
    }
}

/// The scan verdict on one buffer.
public struct ScanVerdict: Sendable {
    /// What matched, in report order; empty when clean.
    public var detections: [Detection]
    /// The bytes scanned.
    public var bytesScanned: Int
    /// Wall-clock time the scan took, in seconds.
    public var duration: Double
    /// The database that scanned it.
    public var database: ServingDatabase
}

/// The engine a daemon serves, replaced whole on reload, and the scanners that use it.
///
/// A reload loads the new database on the calling thread while scans go on against the old one, then swaps it in
/// at once; scans that began before the swap finish on the engine they started with. A load that fails leaves
/// the old database serving.
public final class ScanService: Sendable {
    /// The paths the database is loaded from (empty: the built-in set).
    public let databasePaths: [String]
    /// Whether PUA signature files are loaded.
    public let detectPUA: Bool
    /// The limits every scan runs with.
    public let limits: ScanLimits
    /// Counters for `STATS` and `/metrics`.
    public let metrics = ServiceMetrics()
    private let state: Locked<State>
    private let reloading = Locked(false)

    private struct State {
        var database: ServingDatabase
        /// Idle scanners for `database.engine`; a scanner holds scratch space sized to its engine.
        var idle: [Scanner] = []
    }

    /// Loads the database from `databasePaths` (see ``DatabaseLoader/load(_:detectPUA:)``).
    public init(databasePaths: [String], detectPUA: Bool = false, limits: ScanLimits = ScanLimits())
        throws(DatabaseError)
    {
        self.databasePaths = databasePaths
        self.detectPUA = detectPUA
        self.limits = limits
        let loaded = try DatabaseLoader.load(databasePaths, detectPUA: detectPUA)
        state = Locked(State(database: ServingDatabase(loaded)))
    }

    /// The database serving now.
    public var database: ServingDatabase { state.withLock { $0.database } }

    /// Scans one buffer with the database serving now.
    public func scan(_ data: UnsafeRawBufferPointer, allMatch: Bool = false) -> ScanVerdict {
        let start = monotonicSeconds()
        var (scanner, database) = state.withLock { s -> (Scanner, ServingDatabase) in
            (s.idle.popLast() ?? Scanner(engine: s.database.engine), s.database)
        }
        let detections = scanner.scan(data, allMatch: allMatch, limits: limits, yaraDetails: false)
        let duration = monotonicSeconds() - start
        state.withLock { s in
            if s.database.engine === scanner.engine && s.idle.count < 64 { s.idle.append(scanner) }
        }
        metrics.recordScan(bytes: data.count, detections: detections.count, duration: duration)
        return ScanVerdict(detections: detections, bytesScanned: data.count, duration: duration, database: database)
    }

    /// Loads the database again and swaps it in; on failure the old one keeps serving and the error is returned.
    /// Runs on the calling thread; a reload asked for while one is running returns `nil` at once.
    @discardableResult
    public func reload() -> Result<ServingDatabase, DatabaseError>? {
        let claimed = reloading.withLock { busy -> Bool in
            defer { busy = true }
            return !busy
        }
        guard claimed else { return nil }
        defer { reloading.withLock { $0 = false } }
        let loaded: LoadedDatabase
        do {
            loaded = try DatabaseLoader.load(databasePaths, detectPUA: detectPUA)
        } catch {
            metrics.recordReloadFailure()
            return .failure(error)
        }
        let serving = ServingDatabase(loaded)
        state.withLock { $0 = State(database: serving) }
        metrics.recordReload()
        return .success(serving)
    }
}

/// The name and version a daemon gives of itself (VERSION, the HTTP API).
public enum ServiceIdentity {
    /// `vigil 0.1.0`.
    public static let version = ScanSummary.engineVersion
}
