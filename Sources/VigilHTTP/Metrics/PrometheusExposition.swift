import VigilService

/// The `/metrics` page: the daemon's counters in the Prometheus text exposition format 0.0.4.
struct PrometheusExposition {
    /// The media type of the page.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private var text = ""

    /// The page for `metrics`, the database serving now and the HTTP responses sent, at wall-clock time `now`.
    static func render(
        _ metrics: ServiceMetrics.Snapshot, database: ServingDatabase, requests: [(status: Int, count: Int)],
        now: Double
    ) -> String {
        var page = PrometheusExposition()
        page.counter("vigil_scans_total", "Buffers and files scanned.", metrics.scans)
        page.counter("vigil_scanned_bytes_total", "Bytes scanned.", metrics.bytes)
        page.counter("vigil_detections_total", "Detections reported.", metrics.detections)
        page.counter("vigil_errors_total", "Requests that ended in an error.", metrics.errors)
        page.histogram(
            "vigil_scan_duration_seconds", "Time the engine took per scan.", counts: metrics.latencyCounts,
            sum: metrics.latencySum)
        page.family("vigil_database_version", "The version of the database serving (0: none).", type: "gauge")
        page.sample("vigil_database_version", value: String(database.version ?? 0))
        page.family("vigil_database_age_seconds", "Seconds since the serving database was built.", type: "gauge")
        if let built = database.buildTime {
            page.sample("vigil_database_age_seconds", value: String(max(0, Int(now) - built)))
        }
        page.family("vigil_database_signatures", "Signatures in the serving database.", type: "gauge")
        page.sample("vigil_database_signatures", value: String(database.engine.signatureCount))
        page.family(
            "vigil_database_loaded_timestamp_seconds", "When the serving database was loaded (Unix time).",
            type: "gauge")
        page.sample("vigil_database_loaded_timestamp_seconds", value: String(Int(database.loadedAt)))
        page.counter("vigil_reloads_total", "Database reloads that succeeded.", metrics.reloads)
        page.counter("vigil_reload_failures_total", "Database reloads that failed.", metrics.failedReloads)
        page.family("vigil_http_requests_total", "HTTP API responses sent, by status code.", type: "counter")
        for (status, count) in requests {
            page.sample("vigil_http_requests_total", labels: "code=\"\(status)\"", value: String(count))
        }
        return page.text
    }

    private mutating func family(_ name: String, _ help: String, type: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    private mutating func sample(_ name: String, labels: String = "", value: String) {
        text += labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(labels)} \(value)\n"
    }

    private mutating func counter(_ name: String, _ help: String, _ value: Int) {
        family(name, help, type: "counter")
        sample(name, value: String(value))
    }

    /// A histogram from per-bucket counts (not cumulative; the last counts scans slower than every bound).
    private mutating func histogram(_ name: String, _ help: String, counts: [Int], sum: Double) {
        family(name, help, type: "histogram")
        var cumulative = 0
        for (i, bound) in ServiceMetrics.latencyBounds.enumerated() {
            cumulative += i < counts.count ? counts[i] : 0
            sample(name + "_bucket", labels: "le=\"\(Self.float(bound))\"", value: String(cumulative))
        }
        cumulative += counts.count > ServiceMetrics.latencyBounds.count ? counts[ServiceMetrics.latencyBounds.count] : 0
        sample(name + "_bucket", labels: "le=\"+Inf\"", value: String(cumulative))
        sample(name + "_sum", value: Self.float(sum))
        sample(name + "_count", value: String(cumulative))
    }

    /// A float as Prometheus reads it (Go's `ParseFloat`): integers without a fraction, else Swift's shortest form.
    static func float(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : value < 0 ? "-Inf" : "+Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
