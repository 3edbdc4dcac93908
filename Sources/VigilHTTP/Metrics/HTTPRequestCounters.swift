import VigilSystem

/// Responses the HTTP API has sent, by status code, for `vigil_http_requests_total`.
final class HTTPRequestCounters: Sendable {
    private let counts = Locked([Int: Int]())

    /// Counts one response.
    func record(status: Int) { counts.withLock { $0[status, default: 0] += 1 } }

    /// Every status code answered so far and how often, lowest code first.
    var snapshot: [(status: Int, count: Int)] {
        counts.withLock { $0.sorted { $0.key < $1.key }.map { (status: $0.key, count: $0.value) } }
    }
}
