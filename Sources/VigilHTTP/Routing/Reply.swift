import HTTPTypes
import NIOCore
import VigilScan

#if canImport(Glibc)
    import Glibc
#endif

/// What the API answers to one request, before it is written.
struct Reply: Sendable {
    /// The status.
    var status: HTTPResponse.Status
    /// Header fields besides `Content-Type`, `Content-Length` and `Date`.
    var headers = HTTPFields()
    /// The media type of the body.
    var contentType = "application/json"
    /// The body.
    var body: String
    /// Whether the connection closes after the reply: set when the request's body was not read, so that a client
    /// that keeps sending it cannot hold the connection (and a client waiting for `100 Continue` is not left hanging).
    var closesConnection = false

    /// A JSON reply.
    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Reply {
        Reply(status: status, body: value.rendered)
    }

    /// A JSON error reply: `{"error": message}`.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Reply {
        Reply(status: status, body: APIDocument.error(message).rendered)
    }

    /// The same reply, closing the connection after it.
    func closing() -> Reply {
        var reply = self
        reply.closesConnection = true
        return reply
    }
}

/// `seconds` since the epoch as an HTTP date (RFC 9110 `IMF-fixdate`: `Sun, 06 Nov 1994 08:49:37 GMT`).
func httpDate(_ seconds: Int) -> String {
    var time = time_t(seconds)
    var parts = tm()
    gmtime_r(&time, &parts)
    let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
        + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
}
