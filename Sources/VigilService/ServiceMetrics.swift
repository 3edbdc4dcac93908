import VigilSystem

/// What a daemon has done since it started: the counters behind `STATS` and the HTTP API's `/metrics`.
public final class ServiceMetrics: Sendable {
    /// The upper bounds, in seconds, of the scan latency histogram's buckets (Prometheus' `le` labels).
    public static let latencyBounds: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    /// A consistent copy of the counters.
    public struct Snapshot: Sendable, Equatable {
        /// Buffers and files scanned.
        public var scans = 0
        /// Bytes scanned.
        public var bytes = 0
        /// Detections reported.
        public var detections = 0
        /// Requests that ended in an error (unreadable file, protocol error, limit exceeded).
        public var errors = 0
        /// Scans per latency bucket: `latencyCounts[i]` counts scans no slower than `latencyBounds[i]` and slower
        /// than the bucket before (not cumulative); the last element counts the slower ones.
        public var latencyCounts = [Int](repeating: 0, count: ServiceMetrics.latencyBounds.count + 1)
        /// The sum of every scan's latency, in seconds.
        public var latencySum = 0.0
        /// Database reloads that succeeded and that failed.
        public var reloads = 0, failedReloads = 0
    }

    private let counters = Locked(Snapshot())

    init() {}

    /// The counters now.
    public var snapshot: Snapshot { counters.withLock { $0 } }

    /// Counts one scan.
    public func recordScan(bytes: Int, detections: Int, duration: Double) {
        let bucket = Self.latencyBounds.firstIndex { duration <= $0 } ?? Self.latencyBounds.count
        counters.withLock { c in
            c.scans += 1
            c.bytes += bytes
            c.detections += detections
            c.latencyCounts[bucket] += 1
            c.latencySum += duration
        }
    }

    /// Counts one request that failed.
    public func recordError() { counters.withLock { $0.errors += 1 } }

    func recordReload() { counters.withLock { $0.reloads += 1 } }
    func recordReloadFailure() { counters.withLock { $0.failedReloads += 1 } }
}
