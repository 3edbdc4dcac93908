import VigilEngine
import VigilSystem

/// The settings of `vigil serve`, read from a clamd.conf: the keys clamd 1.4 reads with clamd's defaults, except
/// that a TCP socket binds loopback unless `TCPAddr` says otherwise.
public struct ClamdConfiguration: Sendable, Equatable {
    /// `LocalSocket`: the UNIX socket's path.
    public var localSocket: String?
    /// `LocalSocketMode`: the socket file's permissions (octal in the file); `nil` leaves the umask's.
    public var localSocketMode: UInt32?
    /// `LocalSocketGroup`: the socket file's group, by name or number.
    public var localSocketGroup: String?
    /// `TCPSocket`: the TCP port.
    public var tcpSocket: Int?
    /// `TCPAddr` (repeatable): addresses the TCP port binds; empty means `127.0.0.1`.
    public var tcpAddresses: [String] = []
    /// `MaxThreads`: scanning threads.
    public var maxThreads = 10
    /// `MaxQueue`: scan requests waiting for a thread; beyond it new requests are refused.
    public var maxQueue = 100
    /// `MaxConnectionQueueLength`: the `listen` backlog.
    public var maxConnectionQueueLength = 200
    /// `StreamMaxLength`: the most bytes one INSTREAM may send.
    public var streamMaxLength = 100 << 20
    /// `MaxFileSize`, `MaxScanSize`, `MaxRecursion`, `MaxFiles`, `MaxScanTime`, `AlertExceedsMax`: scan limits.
    public var limits = ScanLimits()
    /// `ReadTimeout`: seconds to wait for the next bytes of a stream or a FILDES descriptor.
    public var readTimeout = 120
    /// `CommandReadTimeout`: seconds to wait for a whole command once a connection opens.
    public var commandReadTimeout = 30
    /// `IdleTimeout`: seconds an IDSESSION may wait between commands.
    public var idleTimeout = 30
    /// `SelfCheck`: seconds between checks of the database directory for changes (0: never).
    public var selfCheck = 600
    /// `DatabaseDirectory`; `nil` uses Vigil's default search (`$VIGIL_DATABASE`, `/var/lib/vigil`, built-in).
    public var databaseDirectory: String?
    /// `DetectPUA`: load PUA signature files.
    public var detectPUA = false
    /// `AllowAllMatchScan`: accept ALLMATCHSCAN.
    public var allowAllMatchScan = true
    /// `LogFile`: a file to log to.
    public var logFile: String?
    /// `LogSyslog`: log to syslog.
    public var logSyslog = false
    /// `LogTime`: prefix each log line with the time.
    public var logTime = false
    /// `Foreground`: stay in the foreground instead of detaching.
    public var foreground = false
    /// `PidFile`: where to write the process id.
    public var pidFile: String?
    /// `TemporaryDirectory`: where a stream larger than 1 MiB is kept while it is scanned (an unnamed file).
    public var temporaryDirectory = environmentValue("TMPDIR") ?? "/tmp"
    /// `User`: the user to run as after binding the sockets (when started as root).
    public var user: String?

    /// clamd's defaults.
    public init() {}
}
