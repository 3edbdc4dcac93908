/// VigilHTTP: the HTTP API of `vigil serve` — scanning uploads, version, health and Prometheus metrics — on its own
/// listener, beside the clamd protocol. `docs/openapi.json` is its contract.

import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import VigilService
import VigilSystem

/// The HTTP API's listener: Hummingbird on SwiftNIO's event loops, scans on a pool of threads of its own.
///
/// A thread-based daemon starts it with ``start(service:host:port:bearerToken:maximumBodySize:limits:log:)``,
/// which returns once the socket is bound, and ends it with ``stop()``, which lets requests in flight finish. Each
/// has an `async` form for callers in Swift concurrency, whose threads must not block.
public final class HTTPServer: Sendable {
    /// The address the listener is bound to, as given.
    public let host: String
    /// The port the listener is bound to (the ephemeral port chosen when started with port 0).
    public let port: Int
    private let server: Server<HTTP1Channel>
    private let running: Task<Void, Never>
    private let pool: NIOThreadPool
    private let executor: EventLoopTaskExecutor
    private let stopping = Locked(false)
    private let stopped = Latch<Void>()

    /// Binds `host:port` and serves the API there until ``stop()``; blocks the calling thread until bound.
    ///
    /// - Parameters:
    ///   - service: The engine to scan with, and the counters `/metrics` reports.
    ///   - host: An address or name to bind (`127.0.0.1`, `::1`, `0.0.0.0`, `localhost`).
    ///   - port: The TCP port; 0 picks a free one (see ``port``).
    ///   - bearerToken: When set, every endpoint but `/v1/health` needs `Authorization: Bearer` with it.
    ///   - maximumBodySize: The largest scan upload accepted, in bytes; larger ones get 413.
    ///   - limits: Timeouts and sizes that bound what clients can hold.
    ///   - log: Receives one line per notable event (listening, a detection).
    /// - Returns: The running server, once its socket listens.
    /// - Throws: ``HTTPServerError`` when the socket cannot be bound or an argument is invalid.
    public static func start(
        service: ScanService, host: String, port: Int, bearerToken: String?, maximumBodySize: Int,
        limits: Limits = Limits(), log: @escaping @Sendable (String) -> Void
    ) throws(HTTPServerError) -> HTTPServer {
        let launch = try Launch(service, host, port, bearerToken, maximumBodySize, limits, log)
        return try launch.finish(launch.bound.wait())
    }

    /// Binds `host:port` and serves the API there until ``stop()``: the `async` form of
    /// ``start(service:host:port:bearerToken:maximumBodySize:limits:log:)``, with the same parameters.
    public static func start(
        service: ScanService, host: String, port: Int, bearerToken: String?, maximumBodySize: Int,
        limits: Limits = Limits(), log: @escaping @Sendable (String) -> Void
    ) async throws(HTTPServerError) -> HTTPServer {
        let launch = try Launch(service, host, port, bearerToken, maximumBodySize, limits, log)
        return try await launch.finish(launch.bound.value)
    }

    /// Stops accepting connections, closes idle ones, waits for requests in flight to be answered, then stops the
    /// scan threads. Blocks the calling thread until all is done; every call waits for the same shutdown.
    public func stop() {
        beginStopping()
        stopped.wait()
    }

    /// The `async` form of ``stop()``.
    public func stop() async {
        beginStopping()
        await stopped.value
    }

    private func beginStopping() {
        let first = stopping.withLock { stopping -> Bool in
            defer { stopping = true }
            return !stopping
        }
        guard first else { return }
        Task(executorPreference: executor) { [server, running, pool, stopped] in
            try? await server.shutdownGracefully()
            await running.value
            try? await pool.shutdownGracefully()
            stopped.set(())
        }
    }

    private init(_ launch: Launch, port: Int) {
        host = launch.host
        self.port = port
        server = launch.server
        running = launch.running
        pool = launch.pool
        executor = launch.executor
    }

    /// A server whose socket is being bound: everything is built and running, and `bound` tells how binding went.
    private struct Launch {
        let host: String
        let server: Server<HTTP1Channel>
        let running: Task<Void, Never>
        let pool: NIOThreadPool
        let executor = EventLoopTaskExecutor(MultiThreadedEventLoopGroup.singleton)
        let bound = Latch<Result<Int, HTTPServerError>>()
        let log: @Sendable (String) -> Void

        init(
            _ service: ScanService, _ host: String, _ port: Int, _ bearerToken: String?, _ maximumBodySize: Int,
            _ limits: Limits, _ log: @escaping @Sendable (String) -> Void
        ) throws(HTTPServerError) {
            guard (0...65535).contains(port) else {
                throw HTTPServerError(.invalidConfiguration, "invalid HTTP port \(port)")
            }
            guard maximumBodySize >= 0, limits.idleTimeout > 0, limits.maximumConnections > 0, limits.scanThreads > 0
            else {
                throw HTTPServerError(.invalidConfiguration, "invalid HTTP limits")
            }
            if bearerToken?.isEmpty == true {
                throw HTTPServerError(.invalidConfiguration, "the HTTP bearer token is empty")
            }
            self.host = host
            self.log = log
            pool = NIOThreadPool(numberOfThreads: limits.scanThreads)
            pool.start()
            let budget = limits.maximumBufferedBodyBytes ?? max(4 * maximumBodySize, 256 << 20)
            let scans = ScanEndpoint(
                service: service, pool: pool, maximumBodySize: maximumBodySize,
                maximumParts: limits.maximumMultipartParts, budget: BodyBudget(capacity: budget), log: log)
            let responder = APIResponder(
                service: service, token: bearerToken.map(BearerToken.init), scans: scans,
                counters: HTTPRequestCounters(), log: log)
            let channel = HTTP1Channel(
                responder: responder.respond,
                configuration: HTTP1Channel.Configuration(
                    idleTimeout: .milliseconds(Int64(limits.idleTimeout * 1000)),
                    httpDecoderConfiguration: .init(
                        maxHeaderFieldSize: limits.maximumHeaderBytes, maxHeaderListSize: limits.maximumHeaderBytes,
                        maxHeaderFieldCount: limits.maximumHeaderFields)))
            let bound = self.bound
            let server = Server(
                childChannelSetup: channel,
                configuration: ServerConfiguration(
                    address: .hostname(host, port: port), backlog: limits.backlog, reuseAddress: true,
                    availableConnectionsDelegate: MaximumAvailableConnections(limits.maximumConnections)),
                onServerRunning: { listener in bound.set(.success(listener.localAddress?.port ?? port)) },
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                logger: Logger(label: "vigil.http") { _ in SwiftLogNoOpLogHandler() })
            self.server = server
            running = Task(executorPreference: executor) {
                do {
                    try await server.run()
                } catch {
                    let message = "cannot listen for HTTP on \(Self.address(host, port)): \(error)"
                    if !bound.set(.failure(HTTPServerError(.bindFailed, message, cause: error))) {
                        log("HTTP listener failed: \(error)")
                    }
                }
            }
        }

        /// The running server once bound, or the binding error (the scan threads stopped).
        func finish(_ result: Result<Int, HTTPServerError>) throws(HTTPServerError) -> HTTPServer {
            switch result {
            case .success(let port):
                log("HTTP API listening on \(Self.address(host, port))")
                return HTTPServer(self, port: port)
            case .failure(let error):
                pool.shutdownGracefully { _ in }
                throw error
            }
        }

        static func address(_ host: String, _ port: Int) -> String {
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}
