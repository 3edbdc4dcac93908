import ArgumentParser
import VigilHTTP
import VigilService
import VigilSystem

#if canImport(Glibc)
    import Glibc
#endif

/// `vigil serve`: clamd's daemon, read from clamd's configuration.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve clamd's socket protocol (a drop-in for clamd), configured by a clamd.conf.",
        discussion: """
            Reads LocalSocket/TCPSocket and the other clamd.conf settings; SIGHUP or SIGUSR2 reloads the database, \
            SIGTERM drains and stops.
            """)

    @Option(name: [.short, .customLong("config")], help: "The clamd.conf to read.")
    var config = "/etc/clamav/clamd.conf"

    @Flag(name: [.customShort("F"), .customLong("foreground")], help: "Stay in the foreground (as Foreground yes).")
    var foreground = false

    @Option(
        name: .customLong("http"),
        help: "Serve the HTTP API on [HOST:]PORT (HOST defaults to 127.0.0.1; an IPv6 HOST in brackets).")
    var http: String?

    @Option(name: .customLong("http-token-file"), help: "Require `Authorization: Bearer TOKEN`, TOKEN read from FILE.")
    var httpTokenFile: String?

    func validate() throws {
        if let http, HTTPAddress(http) == nil {
            throw ValidationError("--http: expected [HOST:]PORT, got '\(http)'")
        }
        if httpTokenFile != nil && http == nil { throw ValidationError("--http-token-file needs --http") }
    }

    func run() throws {
        var options = ServeOptions(configurationPath: config)
        options.foreground = foreground
        var extra: ExtraListener?
        if let http, let address = HTTPAddress(http) {
            var token: String?
            if let httpTokenFile {
                switch readWholeFile(httpTokenFile) {
                case .success(let file):
                    token = String(decoding: file.bytes, as: UTF8.self).trimmingWhitespace()
                case .failure(let e): throw ValidationError("--http-token-file \(httpTokenFile): \(e)")
                }
            }
            extra = { [token] service, configuration, log throws(ServeError) in
                do {
                    let server = try HTTPServer.start(
                        service: service, host: address.host, port: address.port, bearerToken: token,
                        maximumBodySize: configuration.streamMaxLength, log: { log.info($0) })
                    return { server.stop() }
                } catch {
                    throw ServeError("HTTP: \(error)")
                }
            }
        }
        Glibc.exit(ServeCommand.run(options, extra: extra))
    }
}

/// `--http`'s `[HOST:]PORT`.
struct HTTPAddress {
    var host = "127.0.0.1"
    var port: Int

    init?(_ text: String) {
        var rest = Substring(text)
        if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            rest = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(rest), (0...65535).contains(port) else { return nil }
        self.port = port
    }
}

extension String {
    /// Without leading and trailing white space (a token file's final newline).
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
