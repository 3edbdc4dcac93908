import ArgumentParser
import VigilService

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

    func run() throws {
        var options = ServeOptions(configurationPath: config)
        options.foreground = foreground
        Glibc.exit(ServeCommand.run(options))
    }
}
