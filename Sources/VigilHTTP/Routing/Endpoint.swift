import HTTPTypes

/// The API's operations, one per path (`docs/openapi.json` describes each).
enum Endpoint: Sendable {
    case scan, version, health, metrics

    /// The operation at `path`, if any.
    init?(path: String) {
        switch path {
        case "/v1/scan": self = .scan
        case "/v1/version": self = .version
        case "/v1/health": self = .health
        case "/metrics": self = .metrics
        default: return nil
        }
    }

    /// Whether the operation answers `method`: a scan `POST`, the others `GET` and so `HEAD` (RFC 9110 §9.3.2).
    func allows(_ method: HTTPRequest.Method) -> Bool {
        self == .scan ? method == .post : method == .get || method == .head
    }

    /// The methods answered, for `Allow`.
    var allowed: String { self == .scan ? "POST" : "GET, HEAD" }

    /// Whether a bearer token, when the server has one, is needed: a health probe needs none.
    var needsAuthorization: Bool { self != .health }
}
