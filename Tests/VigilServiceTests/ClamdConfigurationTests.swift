import Testing
import VigilEngine
import VigilService
import VigilTestSupport

/// The path the tests' configurations are parsed as.
private let conf = "/etc/clamav/clamd.conf"

/// Parses `text` as `/etc/clamav/clamd.conf`.
private func parse(_ text: String) throws(ClamdConfigurationError) -> (
    configuration: ClamdConfiguration, warnings: [String]
) {
    try ClamdConfiguration.parse(text, file: conf)
}

/// The error parsing `text` throws, if any.
private func parseError(_ text: String) -> ClamdConfigurationError? {
    do {
        _ = try parse(text)
        return nil
    } catch { return error }
}

struct ClamdConfigurationTests {
    @Test func emptyFileKeepsClamdDefaults() throws {
        let (configuration, warnings) = try parse("# nothing here\n\n   \n\t# indented comment\n")
        #expect(configuration == ClamdConfiguration())
        #expect(warnings.isEmpty)
        #expect(configuration.maxThreads == 10)
        #expect(configuration.limits == ScanLimits())
    }

    @Test func everyKeyMaps() throws {
        let (configuration, warnings) = try parse(
            """
            LocalSocket /run/vigil/clamd.ctl
            LocalSocketMode 660
            LocalSocketGroup clamav
            TCPSocket 3310
            TCPAddr 127.0.0.1
            MaxThreads 4
            MaxQueue 50
            MaxConnectionQueueLength 30
            StreamMaxLength 25M
            MaxFileSize 20M
            MaxScanSize 200M
            MaxRecursion 8
            MaxFiles 500
            MaxScanTime 90000
            AlertExceedsMax yes
            ReadTimeout 60
            CommandReadTimeout 5
            IdleTimeout 15
            SelfCheck 3600
            DatabaseDirectory /var/lib/vigil
            DetectPUA yes
            AllowAllMatchScan no
            LogFile /var/log/vigil/clamd.log
            LogSyslog yes
            LogTime yes
            Foreground yes
            PidFile /run/vigil/clamd.pid
            TemporaryDirectory /var/tmp
            User vigil
            """)
        #expect(warnings.isEmpty)
        var expected = ClamdConfiguration()
        expected.localSocket = "/run/vigil/clamd.ctl"
        expected.localSocketMode = 0o660
        expected.localSocketGroup = "clamav"
        expected.tcpSocket = 3310
        expected.tcpAddresses = ["127.0.0.1"]
        expected.maxThreads = 4
        expected.maxQueue = 50
        expected.maxConnectionQueueLength = 30
        expected.streamMaxLength = 25 << 20
        expected.limits.maxFileSize = 20 << 20
        expected.limits.maxScanSize = 200 << 20
        expected.limits.maxRecursion = 8
        expected.limits.maxFiles = 500
        expected.limits.maxScanTime = .seconds(90)
        expected.limits.alertExceedsMax = true
        expected.readTimeout = 60
        expected.commandReadTimeout = 5
        expected.idleTimeout = 15
        expected.selfCheck = 3600
        expected.databaseDirectory = "/var/lib/vigil"
        expected.detectPUA = true
        expected.allowAllMatchScan = false
        expected.logFile = "/var/log/vigil/clamd.log"
        expected.logSyslog = true
        expected.logTime = true
        expected.foreground = true
        expected.pidFile = "/run/vigil/clamd.pid"
        expected.temporaryDirectory = "/var/tmp"
        expected.user = "vigil"
        #expect(configuration == expected)
    }

    @Test(arguments: [
        ("yes", true), ("YES", true), ("True", true), ("1", true), ("no", false), ("No", false), ("FALSE", false),
        ("0", false),
    ])
    func booleans(text: String, value: Bool) throws {
        let (configuration, _) = try parse("LogSyslog \(text)\n")
        #expect(configuration.logSyslog == value)
    }

    @Test(arguments: ["on", "off", "y", "2", "01", "yes please"])
    func badBooleansAreErrors(text: String) {
        let error = parseError("LogTime \(text)\n")
        #expect(error?.code == .value)
        #expect(
            error?.description
                == "/etc/clamav/clamd.conf:1:9: LogTime: expected yes, no, true, false, 1 or 0, got '\(text)'")
    }

    @Test(arguments: [
        ("1234", 1234), ("10k", 10 << 10), ("10K", 10 << 10), ("2m", 2 << 20), ("2M", 2 << 20), ("3G", 3 << 30),
        ("1g", 1 << 30), ("0", Int.max), ("0M", Int.max), ("9223372036854775807", Int.max),
    ])
    func sizes(text: String, value: Int) throws {
        let (configuration, warnings) = try parse("MaxScanSize \(text)\n")
        #expect(configuration.limits.maxScanSize == value)
        #expect(warnings.isEmpty)
    }

    @Test func sizeWithLeadingZeroIsOctalAsInClamd() throws {
        let (configuration, warnings) = try parse("StreamMaxLength 010K\n")
        #expect(configuration.streamMaxLength == 8 << 10)
        #expect(
            warnings == [
                "\(conf):1: StreamMaxLength: '010K' begins with 0, so clamd reads it as octal: 8192 bytes"
            ])
    }

    @Test(arguments: ["9223372036854775808", "18446744073709551616", "8589934592G"])
    func sizeTooHighIsCappedWithAWarning(text: String) throws {
        let (configuration, warnings) = try parse("MaxFileSize \(text)\n")
        #expect(configuration.limits.maxFileSize == Int.max)
        #expect(
            warnings == [
                "/etc/clamav/clamd.conf:1: MaxFileSize: value too high; clamd resets it to 9223372036854775807"
            ])
    }

    @Test(arguments: [
        ("10X", "a size (a number with an optional K, M or G)"),
        ("10 M", "a size (a number with an optional K, M or G)"),
        ("1KB", "a size (a number with an optional K, M or G)"), ("-1", "a size (a number with an optional K, M or G)"),
        ("0x10", "a size (a number with an optional K, M or G)"), ("T", "a size (a number with an optional K, M or G)"),
        ("08", "octal digits after a leading 0 (clamd reads such a size as octal)"),
    ])
    func badSizesAreErrors(text: String, expected: String) {
        let error = parseError("# limits\nMaxFileSize   \(text)\n")
        #expect(error?.code == .value)
        #expect(error?.description == "/etc/clamav/clamd.conf:2:15: MaxFileSize: expected \(expected), got '\(text)'")
    }

    @Test func numbersAreDecimal() throws {
        let (configuration, _) = try parse("MaxThreads 010\nMaxQueue 2147483647\n")
        #expect(configuration.maxThreads == 10)
        #expect(configuration.maxQueue == 2_147_483_647)
    }

    @Test(arguments: [
        ("MaxThreads ten", "MaxThreads: expected a number, got 'ten'"),
        ("MaxThreads -1", "MaxThreads: expected a number, got '-1'"),
        ("MaxThreads +5", "MaxThreads: expected a number, got '+5'"),
        ("MaxThreads 10 # ten", "MaxThreads: expected a number, got '10 # ten'"),
        ("MaxThreads 2147483648", "MaxThreads: expected a number from 0 to 2147483647, got '2147483648'"),
        ("TCPSocket 65536", "TCPSocket: expected a number from 0 to 65535, got '65536'"),
    ])
    func badNumbersAreErrors(line: String, message: String) {
        let error = parseError(line)
        #expect(error?.code == .value)
        #expect(error?.message == message)
        #expect(error?.line == 1)
        #expect(error?.column == line.firstIndex(of: " ").map { line.distance(from: line.startIndex, to: $0) + 2 })
    }

    @Test func zeroMeansWhatItMeansToClamd() throws {
        let (configuration, _) = try parse("TCPSocket 0\nMaxRecursion 0\nMaxFiles 0\nMaxScanTime 0\nMaxFileSize 0\n")
        #expect(configuration.tcpSocket == nil)
        #expect(configuration.limits.maxRecursion == ScanLimits().maxRecursion)
        #expect(configuration.limits.maxFiles == Int.max)
        #expect(configuration.limits.maxScanTime == ClamdConfiguration.unlimitedScanTime)
        #expect(configuration.limits.maxFileSize == Int.max)
    }

    @Test(arguments: [("666", 0o666), ("0660", 0o660), ("600", 0o600), ("0", 0), ("777", 0o666), ("17777", 0o666)])
    func octalSocketMode(text: String, mode: UInt32) throws {
        let (configuration, _) = try parse("LocalSocketMode \(text)\n")
        #expect(configuration.localSocketMode == mode)
    }

    @Test(arguments: ["999", "abc", "0x1b6", "-1", "rw-rw-rw-"])
    func badSocketModeIsAnError(text: String) {
        let error = parseError("LocalSocketMode \(text)")
        #expect(
            error?.description
                == "/etc/clamav/clamd.conf:1:17: LocalSocketMode: expected an octal mode such as 660, got '\(text)'")
    }

    @Test func tcpAddrRepeatsAndOtherKeysKeepTheFirstValue() throws {
        let (configuration, warnings) = try parse(
            """
            TCPAddr 127.0.0.1
            MaxThreads 3
            TCPAddr ::1
            MaxThreads 7
            TCPAddr 127.0.0.1
            """)
        #expect(configuration.tcpAddresses == ["127.0.0.1", "::1", "127.0.0.1"])
        #expect(configuration.maxThreads == 3)
        #expect(
            warnings == [
                "\(conf):4: MaxThreads: repeated; clamd keeps the first value (line 2), so this one is ignored"
            ])
    }

    @Test func aRepeatedKeyIsStillChecked() {
        #expect(
            parseError("MaxThreads 3\nMaxThreads three\n")?.description
                == "/etc/clamav/clamd.conf:2:12: MaxThreads: expected a number, got 'three'")
    }

    @Test func layoutAndQuoting() throws {
        let (configuration, warnings) = try parse(
            "  LocalSocket\t\t/run/clamd.ctl  \t\n"
                + "User   \"clam av\"\n"
                + "LogFile \"/var/log/my logs/clamd.log\" this is dropped\n"
                + "PidFile /run/a \"b\"\n"
                + "DatabaseDirectory \"/x\"y\"\n"
                + "MaxThreads \"12\"\n"
                + "LogTime \"yes\"\n"
                + "TCPAddr  host name  with  spaces \n"
                + "x\n"
                + "#Example\n"
                + "  # MaxThreads ten\n"
                + "MaxQueue 9")
        #expect(warnings.isEmpty)
        #expect(configuration.localSocket == "/run/clamd.ctl")
        #expect(configuration.user == "clam av")
        #expect(configuration.logFile == "/var/log/my logs/clamd.log")
        #expect(configuration.pidFile == "/run/a \"b\"")
        #expect(configuration.databaseDirectory == "/x\"y")
        #expect(configuration.maxThreads == 12)
        #expect(configuration.logTime)
        #expect(configuration.tcpAddresses == ["host name  with  spaces"])
        #expect(configuration.maxQueue == 9)
    }

    @Test(arguments: [
        (
            "Example\nLocalSocket /s\n", ClamdConfigurationError.Code.example, 1, 1,
            "Example: this is clamd's example configuration; edit it and remove this line"
        ),
        (
            "LocalSocket /s\n  ExampleConfig yes\n", .example, 2, 3,
            "Example: this is clamd's example configuration; edit it and remove this line"
        ),
        ("LocalSocket /s\nMaxThreads\n", .syntax, 2, 1, "MaxThreads: missing value"),
        ("MaxThreads   \t\n", .syntax, 1, 1, "MaxThreads: missing value"),
        ("MaxThreads=10\n", .syntax, 1, 1, "MaxThreads=10: missing value"),
        ("\tBogus\n", .syntax, 1, 2, "Bogus: missing value"),
        ("ab\n", .syntax, 1, 1, "ab: missing value"),
        ("LogFile \"/var/log/clamd.log\n", .syntax, 1, 9, "LogFile: missing closing quote"),
        ("LogFile \"\"\n", .syntax, 1, 9, "LogFile: empty value"),
        (
            "LocalSocket /run/clamd.ctl\r\n", .syntax, 1, 27,
            "LocalSocket: carriage return in the value (a file with DOS line endings?)"
        ),
        ("ScanPE maybe\n", .value, 1, 8, "ScanPE: expected yes, no, true, false, 1 or 0, got 'maybe'"),
        (
            "BytecodeSecurity Lenient\n", .value, 1, 18,
            "BytecodeSecurity: expected TrustSigned or Paranoid, got 'Lenient'"
        ),
        (
            "MaxEmbeddedPE lots\n", .value, 1, 15,
            "MaxEmbeddedPE: expected a size (a number with an optional K, M or G), got 'lots'"
        ),
    ])
    func errorsSayWhere(
        text: String, code: ClamdConfigurationError.Code, line: Int, column: Int, message: String
    ) {
        let error = parseError(text)
        #expect(error?.code == code)
        #expect(error?.file == "/etc/clamav/clamd.conf")
        #expect(error?.line == line)
        #expect(error?.column == column)
        #expect(error?.message == message)
    }

    @Test func errorDescriptionNamesFileLineAndColumn() {
        let error = parseError("\n\n\n\n\n\n\n\n\n\n\nMaxThreads     ten\n")
        #expect(error?.description == "/etc/clamav/clamd.conf:12:16: MaxThreads: expected a number, got 'ten'")
    }

    @Test func otherKeysAreWarnings() throws {
        let (configuration, warnings) = try parse(
            """
            ScanPE no
            ExcludePath ^/proc/
            BytecodeSecurity paranoid
            ArchiveMaxFiles lots
            Bogus yes
            maxthreads 4
            MaxThreads 4
            """)
        #expect(configuration.maxThreads == 4)
        #expect(
            warnings == [
                "/etc/clamav/clamd.conf:1: ScanPE: not supported by vigil serve; ignored",
                "/etc/clamav/clamd.conf:2: ExcludePath: not supported by vigil serve; ignored",
                "/etc/clamav/clamd.conf:3: BytecodeSecurity: not supported by vigil serve; ignored",
                "/etc/clamav/clamd.conf:4: ArchiveMaxFiles: not supported by vigil serve; ignored",
                "/etc/clamav/clamd.conf:5: Bogus: unknown option; ignored",
                "\(conf):6: maxthreads: unknown option; ignored (did you mean 'MaxThreads'? keys are case-sensitive)",
            ])
    }

    @Test func debianConfigurationParsesWithOnlyNotSupportedWarnings() throws {
        let (configuration, warnings) = try parse(debianConfiguration)
        #expect(warnings.count == 58)
        #expect(warnings.allSatisfy { $0.hasSuffix(": not supported by vigil serve; ignored") })
        #expect(warnings.first == "/etc/clamav/clamd.conf:5: FixStaleSocket: not supported by vigil serve; ignored")
        #expect(configuration.localSocket == "/var/run/clamav/clamd.ctl")
        #expect(configuration.localSocketGroup == "clamav")
        #expect(configuration.localSocketMode == 0o666)
        #expect(configuration.user == "clamav")
        #expect(configuration.readTimeout == 180)
        #expect(configuration.maxThreads == 12)
        #expect(configuration.maxConnectionQueueLength == 15)
        #expect(configuration.databaseDirectory == "/var/lib/clamav")
        #expect(configuration.selfCheck == 3600)
        #expect(configuration.limits.maxScanTime == .seconds(120))
        #expect(configuration.limits.maxScanSize == 100 << 20)
        #expect(configuration.limits.maxFileSize == 25 << 20)
        #expect(configuration.limits.maxRecursion == 16)
        #expect(configuration.streamMaxLength == 25 << 20)
        #expect(configuration.logFile == "/var/log/clamav/clamav.log")
        #expect(configuration.logTime)
        #expect(!configuration.foreground)
        #expect(configuration.tcpSocket == nil)
        try configuration.validate()
    }

    @Test func loadReadsTheFile() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("clamd.conf", text: debianConfiguration)
        let (configuration, warnings) = try ClamdConfiguration.load(path: path)
        #expect(configuration == (try parse(debianConfiguration)).configuration)
        #expect(warnings.first == "\(path):5: FixStaleSocket: not supported by vigil serve; ignored")
    }

    @Test func loadOfAMissingFileIsAnIOError() throws {
        let directory = try TemporaryDirectory()
        #expect {
            try ClamdConfiguration.load(path: directory.path + "/absent.conf")
        } throws: { error in
            guard let error = error as? ClamdConfigurationError else { return false }
            return error.code == .io && error.cause != nil && error.line == nil
                && error.description
                    == "\(directory.path)/absent.conf: cannot read the configuration: No such file or directory"
        }
    }

    @Test func validateNeedsASocket() throws {
        var configuration = ClamdConfiguration()
        #expect(throws: ClamdConfigurationError(.invalid, "Please define server type (local and/or TCP).")) {
            try configuration.validate()
        }
        #expect(
            (try? parse("TCPSocket 0\n").configuration.validate()) == nil, "TCPSocket 0 is no socket, as in clamd")
        configuration.tcpSocket = 3310
        try configuration.validate()
        configuration.tcpSocket = nil
        configuration.localSocket = "/run/clamd.ctl"
        try configuration.validate()
        configuration.maxThreads = 0
        #expect(throws: ClamdConfigurationError(.invalid, "MaxThreads: must be at least 1")) {
            try configuration.validate()
        }
    }

    @Test func validateErrorReadsAsClamds() {
        let error = ClamdConfigurationError(.invalid, "Please define server type (local and/or TCP).")
        #expect(error.description == "Please define server type (local and/or TCP).")
    }
}

/// Debian 12's `/etc/clamav/clamd.conf` as `clamav-daemon` 1.4.6's postinst writes it.
private let debianConfiguration = """
    #Automatically Generated by clamav-daemon postinst
    #To reconfigure clamd run #dpkg-reconfigure clamav-daemon
    #Please read /usr/share/doc/clamav-daemon/README.Debian.gz for details
    LocalSocket /var/run/clamav/clamd.ctl
    FixStaleSocket true
    LocalSocketGroup clamav
    LocalSocketMode 666
    # TemporaryDirectory is not set to its default /tmp here to make overriding
    # the default with environment variables TMPDIR/TMP/TEMP possible
    User clamav
    ScanMail true
    ScanArchive true
    ArchiveBlockEncrypted false
    MaxDirectoryRecursion 15
    FollowDirectorySymlinks false
    FollowFileSymlinks false
    ReadTimeout 180
    MaxThreads 12
    MaxConnectionQueueLength 15
    LogSyslog false
    LogRotate true
    LogFacility LOG_LOCAL6
    LogClean false
    LogVerbose false
    PreludeEnable no
    PreludeAnalyzerName ClamAV
    DatabaseDirectory /var/lib/clamav
    OfficialDatabaseOnly false
    SelfCheck 3600
    Foreground false
    Debug false
    ScanPE true
    MaxEmbeddedPE 10M
    ScanOLE2 true
    ScanPDF true
    ScanHTML true
    MaxHTMLNormalize 10M
    MaxHTMLNoTags 2M
    MaxScriptNormalize 5M
    MaxZipTypeRcg 1M
    ScanSWF true
    ExitOnOOM false
    LeaveTemporaryFiles false
    AlgorithmicDetection true
    ScanELF true
    IdleTimeout 30
    CrossFilesystems true
    PhishingSignatures true
    PhishingScanURLs true
    PhishingAlwaysBlockSSLMismatch false
    PhishingAlwaysBlockCloak false
    PartitionIntersection false
    DetectPUA false
    ScanPartialMessages false
    HeuristicScanPrecedence false
    StructuredDataDetection false
    CommandReadTimeout 30
    SendBufTimeout 200
    MaxQueue 100
    ExtendedDetectionInfo true
    OLE2BlockMacros false
    AllowAllMatchScan true
    ForceToDisk false
    DisableCertCheck false
    DisableCache false
    MaxScanTime 120000
    MaxScanSize 100M
    MaxFileSize 25M
    MaxRecursion 16
    MaxFiles 10000
    MaxPartitions 50
    MaxIconsPE 100
    PCREMatchLimit 10000
    PCRERecMatchLimit 5000
    PCREMaxFileSize 25M
    ScanXMLDOCS true
    ScanHWP3 true
    MaxRecHWP3 16
    StreamMaxLength 25M
    LogFile /var/log/clamav/clamav.log
    LogTime true
    LogFileUnlock false
    LogFileMaxSize 0
    Bytecode true
    BytecodeSecurity TrustSigned
    BytecodeTimeout 60000
    OnAccessMaxFileSize 5M

    """
