import VigilDatabase
import VigilSystem

/// Everything `vigil serve` was asked to do.
public struct ServeOptions: Sendable {
    /// The clamd.conf to read.
    public var configurationPath: String
    /// `--foreground`: stay attached whatever the file says.
    public var foreground = false

    /// Options reading `configurationPath`.
    public init(configurationPath: String) { self.configurationPath = configurationPath }
}

/// Starts a listener beside the clamd sockets once the database is loaded (the HTTP API), with the configuration
/// read; returns how to stop it.
public typealias ExtraListener =
    @Sendable (ScanService, ClamdConfiguration, ServiceLog) throws(ServeError) ->
    @Sendable () -> Void

/// Runs `vigil serve`: reads the clamd.conf, binds its sockets, loads the database, detaches and drops privileges
/// as configured, and serves until told to stop. Returns the process exit status: 0 after a clean stop, 1 when it
/// cannot serve (clamd's status).
public enum ServeCommand {
    /// Serves; `extra` starts the HTTP API when asked for.
    public static func run(_ options: ServeOptions, extra: ExtraListener? = nil) -> Int32 {
        let errorOutput = FileDescriptor.standardError
        var configuration: ClamdConfiguration
        do {
            let (loaded, warnings) = try ClamdConfiguration.load(path: options.configurationPath)
            warnings.forEach { errorOutput.writeAll("WARNING: \($0)\n") }
            try loaded.validate()
            configuration = loaded
        } catch {
            errorOutput.writeAll("ERROR: \(error)\n")
            return 1
        }
        if options.foreground { configuration.foreground = true }
        let log: ServiceLog
        do {
            log = try ServiceLog(
                path: configuration.logFile, syslog: configuration.logSyslog, time: configuration.logTime,
                standardError: configuration.foreground)
        } catch {
            errorOutput.writeAll("ERROR: Can't open \(configuration.logFile ?? "") in append mode: \(error)\n")
            return 1
        }
        do {
            try serve(configuration, log: log, extra: extra)
            return 0
        } catch {
            log.error(error.description)
            if !configuration.foreground { errorOutput.writeAll("ERROR: \(error)\n") }
            return 1
        }
    }

    private static func serve(_ configuration: ClamdConfiguration, log: ServiceLog, extra: ExtraListener?)
        throws(ServeError)
    {
        let signals: SignalReceiver
        do {
            signals = try SignalReceiver([
                SignalNumber.hangup, SignalNumber.interrupt, SignalNumber.user2, SignalNumber.terminate,
            ])
        } catch {
            throw ServeError("cannot receive signals: \(error)")
        }
        raiseDescriptorLimit()
        log.info("+++ Started \(ServiceIdentity.version)")
        let server = try ClamdServer(configuration: configuration, log: log)
        try server.bind()
        let paths = configuration.databaseDirectory.map { [$0] } ?? DatabaseLoader.defaultPaths(explicit: [])
        let service: ScanService
        do {
            service = try ScanService(
                databasePaths: paths, detectPUA: configuration.detectPUA, limits: configuration.limits)
        } catch {
            throw ServeError("\(error)")
        }
        service.database.loaded.warnings.forEach { log.warning($0) }
        log.info("Loaded \(service.database.engine.signatureCount) signatures.")
        if !configuration.foreground, case .failure(let e) = detachFromTerminal() {
            throw ServeError("cannot detach: \(e)")
        }
        if let pidFile = configuration.pidFile {
            let written = FileDescriptor.create(pidFile).flatMap { fd in
                defer { fd.close() }
                return fd.writeAll("\(processID)\n")
            }
            if case .failure(let e) = written { log.warning("Can't save PID in file \(pidFile): \(e)") }
        }
        if let user = configuration.user, isRoot, case .failure(let e) = switchUser(user) {
            throw ServeError("Can't run as user \(user): \(e)")
        }
        let stopExtra = try extra?(service, configuration, log)
        server.run(service: service, signals: signals)
        stopExtra?()
        if let pidFile = configuration.pidFile { _ = removeFile(pidFile) }
    }
}
