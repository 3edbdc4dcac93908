import NIOCore

extension HTTPServer {
    /// Bounds that keep misbehaving clients (slow, huge, many) from exhausting the server; the defaults suit a
    /// loopback or LAN service.
    public struct Limits: Sendable {
        /// Seconds a connection may go without sending anything while its request is being read (the request head
        /// must arrive within this time of connecting), and idle between requests; then it is closed.
        public var idleTimeout = 30.0
        /// Open connections at most; beyond it new ones wait in the listen backlog.
        public var maximumConnections = 256
        /// The listen backlog.
        public var backlog = 256
        /// The most bytes of request-head fields (one field, and all together).
        public var maximumHeaderBytes = 32 * 1024
        /// The most request header fields.
        public var maximumHeaderFields = 100
        /// The most parts one `multipart/form-data` upload may have.
        public var maximumMultipartParts = 1000
        /// The most request-body bytes held in memory at once across all connections; `nil`: four times the
        /// largest body allowed, and at least 256 MiB.
        public var maximumBufferedBodyBytes: Int?
        /// Threads that run scans (scans are CPU-bound and never run on the network threads).
        public var scanThreads = System.coreCount

        /// The defaults.
        public init() {}
    }
}
