import VigilEngine
import VigilSystem

// Reading clamd.conf as clamd 1.4's option parser (common/optparser.c) reads it, checked against clamd and clamconf
// 1.4.6: one `Key value` per line; keys are case-sensitive; `#` starts a comment only as a line's first non-blank
// character; a value may be quoted, and its surrounding blanks are dropped; for a key given twice, the first value
// wins. Where clamd accepts a value and then misuses it, `vigil serve` refuses it instead: a number beyond 32 bits
// (clamd wraps it), a port beyond 65535 (clamd binds it modulo 65536), a `LocalSocketMode` that is not octal (clamd
// refuses it only when it starts), a value with a carriage return (clamd keeps it in paths). And where clamd refuses
// to start, on a key it does not know, `vigil serve` warns and goes on.

extension ClamdConfiguration {
    /// Reads a clamd.conf from disk; see ``parse(_:file:)``.
    ///
    /// - Throws: ``ClamdConfigurationError`` with code ``ClamdConfigurationError/Code/io`` when the file cannot be
    ///   read, else as ``parse(_:file:)``.
    public static func load(
        path: String
    ) throws(ClamdConfigurationError) -> (configuration: ClamdConfiguration, warnings: [String]) {
        switch readWholeFile(path) {
        case .success(let file): return try parse(String(decoding: file.bytes, as: UTF8.self), file: path)
        case .failure(let errno):
            throw ClamdConfigurationError(.io, "cannot read the configuration: \(errno)", file: path, cause: errno)
        }
    }

    /// Parses the text of a clamd.conf, starting from clamd's defaults.
    ///
    /// Values are read as clamd reads them: booleans `yes`/`no`/`true`/`false` in any case, or `1`/`0`; sizes with
    /// an optional `K`, `M` or `G` (in any case), a leading `0` meaning octal, and `0` meaning no limit; `MaxScanTime`
    /// in milliseconds, `0` meaning no limit; `MaxFiles 0` no limit; `MaxRecursion 0` and `TCPSocket 0` unset.
    /// A clamd option `vigil serve` does not use, a key clamd does not know either, a repeated key (the first value
    /// wins) and a size clamd caps are warnings; the configuration is not checked as a whole (see ``validate()``).
    ///
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - file: the path to name in errors and warnings.
    /// - Returns: the settings, and warnings as `FILE:LINE: KEY: what`.
    /// - Throws: ``ClamdConfigurationError`` at the first line clamd would refuse.
    public static func parse(
        _ text: String, file: String
    ) throws(ClamdConfigurationError) -> (configuration: ClamdConfiguration, warnings: [String]) {
        var configuration = ClamdConfiguration()
        var warnings: [String] = []
        var firstLines: [String: Int] = [:]
        let bytes = Array(text.utf8)
        var start = 0
        var lineNumber = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            lineNumber += 1
            let line = SourceLine(
                bytes: bytes[start..<end], endsWithNewline: end < bytes.count, file: file, number: lineNumber)
            start = end + 1
            guard let entry = try line.entry() else { continue }
            let here = "\(file):\(lineNumber): \(entry.key)"
            guard let kind = knownOptions[entry.key] else {
                let hint = knownKeysByLowercase[entry.key.lowercased()].map {
                    " (did you mean '\($0)'? keys are case-sensitive)"
                }
                warnings.append("\(here): unknown option; ignored" + (hint ?? ""))
                continue
            }
            if case .deprecated = kind {
                warnings.append("\(here): not supported by vigil serve; ignored")
                continue
            }
            let value = try kind.value(of: entry, on: line, warnings: &warnings)
            if let first = firstLines[entry.key], entry.key != "TCPAddr" {
                warnings.append(
                    "\(here): repeated; clamd keeps the first value (line \(first)), so this one is ignored")
            } else if configuration.set(entry.key, to: value) {
                firstLines[entry.key] = lineNumber
            } else {
                warnings.append("\(here): not supported by vigil serve; ignored")
            }
        }
        return (configuration, warnings)
    }

    /// Checks that the settings can serve, as clamd does once it has read its configuration.
    ///
    /// - Throws: ``ClamdConfigurationError`` with code ``ClamdConfigurationError/Code/invalid`` when there is neither
    ///   a `LocalSocket` nor a `TCPSocket` (in clamd's words), or when `MaxThreads` is 0.
    public func validate() throws(ClamdConfigurationError) {
        if localSocket == nil && tcpSocket == nil {
            throw ClamdConfigurationError(.invalid, "Please define server type (local and/or TCP).")
        }
        if maxThreads < 1 { throw ClamdConfigurationError(.invalid, "MaxThreads: must be at least 1") }
    }

    /// The scan time limit that stands for clamd's `MaxScanTime 0` (no limit): 68 years, which no clock arithmetic
    /// overflows.
    public static let unlimitedScanTime = Duration.seconds(Int64(Int32.max))

    /// Stores a setting `vigil serve` uses; `false` for a clamd option it does not.
    private mutating func set(_ key: String, to value: OptionValue) -> Bool {
        switch (key, value) {
        case ("LocalSocket", .string(let v)): localSocket = v
        case ("LocalSocketMode", .integer(let v)): localSocketMode = UInt32(truncatingIfNeeded: v)
        case ("LocalSocketGroup", .string(let v)): localSocketGroup = v
        case ("TCPSocket", .integer(let v)): tcpSocket = v == 0 ? nil : v  // clamd: 0 is no TCP socket
        case ("TCPAddr", .string(let v)): tcpAddresses.append(v)
        case ("MaxThreads", .integer(let v)): maxThreads = v
        case ("MaxQueue", .integer(let v)): maxQueue = v
        case ("MaxConnectionQueueLength", .integer(let v)): maxConnectionQueueLength = v
        case ("StreamMaxLength", .integer(let v)): streamMaxLength = v
        case ("MaxFileSize", .integer(let v)): limits.maxFileSize = v
        case ("MaxScanSize", .integer(let v)): limits.maxScanSize = v
        // clamd 1.4.6 logs "Recursion level limit set to 17" for `MaxRecursion 0`, though its manual says 0 disables.
        case ("MaxRecursion", .integer(let v)): if v != 0 { limits.maxRecursion = v }
        case ("MaxFiles", .integer(let v)): limits.maxFiles = v == 0 ? Int.max : v
        case ("MaxScanTime", .integer(let v)): limits.maxScanTime = v == 0 ? Self.unlimitedScanTime : .milliseconds(v)
        case ("AlertExceedsMax", .bool(let v)): limits.alertExceedsMax = v
        case ("ReadTimeout", .integer(let v)): readTimeout = v
        case ("CommandReadTimeout", .integer(let v)): commandReadTimeout = v
        case ("IdleTimeout", .integer(let v)): idleTimeout = v
        case ("SelfCheck", .integer(let v)): selfCheck = v
        case ("DatabaseDirectory", .string(let v)): databaseDirectory = v
        case ("DetectPUA", .bool(let v)): detectPUA = v
        case ("AllowAllMatchScan", .bool(let v)): allowAllMatchScan = v
        case ("LogFile", .string(let v)): logFile = v
        case ("LogSyslog", .bool(let v)): logSyslog = v
        case ("LogTime", .bool(let v)): logTime = v
        case ("Foreground", .bool(let v)): foreground = v
        case ("PidFile", .string(let v)): pidFile = v
        case ("TemporaryDirectory", .string(let v)): temporaryDirectory = v
        case ("User", .string(let v)): user = v
        default: return false
        }
        return true
    }
}

/// One `Key value` line, split as clamd splits it.
private struct Entry {
    var key: String
    var value: String
    /// The 1-based byte column where the value (inside its quotes) starts.
    var valueColumn: Int
}

/// A line of the file, with what errors on it need to say where they are.
private struct SourceLine {
    var bytes: ArraySlice<UInt8>
    var endsWithNewline: Bool
    var file: String
    var number: Int

    func error(_ code: ClamdConfigurationError.Code, _ message: String, column: Int) -> ClamdConfigurationError {
        ClamdConfigurationError(code, message, file: file, line: number, column: column)
    }

    func error(_ code: ClamdConfigurationError.Code, _ message: String, at index: Int) -> ClamdConfigurationError {
        error(code, message, column: index - bytes.startIndex + 1)
    }

    /// The entry on the line; `nil` for a blank line or a comment.
    func entry() throws(ClamdConfigurationError) -> Entry? {
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        let keyStart = bytes.firstIndex { !blank($0) } ?? bytes.endIndex
        let rest = bytes[keyStart...]
        // clamd skips lines of at most two bytes counting the newline, so a lone `x` is no error.
        if rest.count + (endsWithNewline ? 1 : 0) <= 2 || rest.first == UInt8(ascii: "#") { return nil }
        if rest.starts(with: "Example".utf8) {
            throw error(
                .example, "Example: this is clamd's example configuration; edit it and remove this line", at: keyStart)
        }
        let keyEnd = rest.firstIndex(where: blank) ?? rest.endIndex
        let key = String(decoding: rest[..<keyEnd], as: UTF8.self)
        let valueStart = rest[keyEnd...].firstIndex { !blank($0) } ?? rest.endIndex
        let valueEnd = (rest[valueStart...].lastIndex { !blank($0) }).map { $0 + 1 } ?? valueStart
        var value = rest[valueStart..<valueEnd]
        if value.isEmpty { throw error(.syntax, "\(key): missing value", at: keyStart) }
        if value.first == UInt8(ascii: "\"") {
            // As clamd: the value runs to the last quote, and what follows it is dropped.
            guard let close = value.dropFirst().lastIndex(of: UInt8(ascii: "\"")) else {
                throw error(.syntax, "\(key): missing closing quote", at: valueStart)
            }
            value = value[(valueStart + 1)..<close]
            if value.isEmpty { throw error(.syntax, "\(key): empty value", at: valueStart) }
        }
        if let cr = value.firstIndex(of: UInt8(ascii: "\r")) {
            throw error(.syntax, "\(key): carriage return in the value (a file with DOS line endings?)", at: cr)
        }
        return Entry(
            key: key, value: String(decoding: value, as: UTF8.self),
            valueColumn: value.startIndex - bytes.startIndex + 1)
    }
}

/// A value as its option's type reads it.
private enum OptionValue {
    case bool(Bool)
    case integer(Int)
    case string(String)
}

/// How clamd 1.4 checks an option's value.
private enum OptionKind: Equatable {
    /// `yes`, `no`, `true`, `false` (any case), `1`, `0`.
    case bool
    /// Decimal digits (clamd's `atoi`), at most 2147483647.
    case number
    /// A number with an optional `K`, `M` or `G`; a leading `0` is octal (clamd's `strtoull` base 0); `0` is no limit.
    case size
    /// Any text.
    case string
    /// One of the words, in any case.
    case choice([String])
    /// `TCPSocket`: a number up to 65535.
    case port
    /// `LocalSocketMode`: octal digits; clamd applies only the read and write bits.
    case mode
    /// Removed from clamd; it warns and ignores the value unchecked.
    case deprecated

    func value(
        of entry: Entry, on line: SourceLine, warnings: inout [String]
    ) throws(ClamdConfigurationError) -> OptionValue {
        let text = entry.value
        let fail = { (expected: String) in
            line.error(.value, "\(entry.key): expected \(expected), got '\(text)'", column: entry.valueColumn)
        }
        let isDigits = text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        switch self {
        case .bool:
            switch text.lowercased() {
            case "yes", "true", "1": return .bool(true)
            case "no", "false", "0": return .bool(false)
            default: throw fail("yes, no, true, false, 1 or 0")
            }
        case .number, .port:
            let maximum = self == .port ? 65535 : Int(Int32.max)
            guard isDigits else { throw fail("a number") }
            guard let number = Int(text), number <= maximum else { throw fail("a number from 0 to \(maximum)") }
            return .integer(number)
        case .size:
            return .integer(try Self.size(text, key: entry.key, on: line, warnings: &warnings, fail: fail))
        case .string, .deprecated:
            return .string(text)
        case .choice(let words):
            guard words.contains(where: { $0.lowercased() == text.lowercased() }) else {
                throw fail(words.joined(separator: " or "))
            }
            return .string(text)
        case .mode:
            guard isDigits, let mode = Int(text, radix: 8) else { throw fail("an octal mode such as 660") }
            return .integer(mode & 0o666)
        }
    }

    static func size(
        _ text: String, key: String, on line: SourceLine, warnings: inout [String],
        fail: (String) -> ClamdConfigurationError
    ) throws(ClamdConfigurationError) -> Int {
        let units = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        let unit = text.last.flatMap { units[$0.lowercased()] }
        let digits = unit == nil ? Substring(text) : text.dropLast()
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw fail("a size (a number with an optional K, M or G)")
        }
        let octal = digits.count > 1 && digits.first == "0"
        if octal && digits.contains(where: { $0 == "8" || $0 == "9" }) {
            throw fail("octal digits after a leading 0 (clamd reads such a size as octal)")
        }
        var value = 0
        var overflow = false
        for digit in digits.utf8 {
            let (shifted, o1) = value.multipliedReportingOverflow(by: octal ? 8 : 10)
            let (sum, o2) = shifted.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            value = sum
            overflow = overflow || o1 || o2
        }
        let (scaled, o3) = value.multipliedReportingOverflow(by: unit ?? 1)
        let here = "\(line.file):\(line.number): \(key)"
        if overflow || o3 {
            warnings.append("\(here): value too high; clamd resets it to \(Int.max)")
            return Int.max
        }
        if octal { warnings.append("\(here): '\(text)' begins with 0, so clamd reads it as octal: \(scaled) bytes") }
        return scaled == 0 ? Int.max : scaled
    }
}

extension ClamdConfiguration {
    /// Every option clamd 1.4.6 accepts in clamd.conf (`clamconf` lists them), by how it checks the value, and the
    /// deprecated ones it accepts with a warning.
    fileprivate static let knownOptions: [String: OptionKind] = {
        let groups: [(OptionKind, String)] = [
            (
                .bool,
                """
                AlertExceedsMax PreludeEnable LogFileUnlock LogTime LogClean LogSyslog LogVerbose LogRotate
                ExtendedDetectionInfo OfficialDatabaseOnly FixStaleSocket FollowDirectorySymlinks FollowFileSymlinks
                CrossFilesystems ConcurrentDatabaseReload DisableCache ExitOnOOM AllowAllMatchScan Foreground Debug
                LeaveTemporaryFiles GenerateMetadataJson Bytecode BytecodeUnsigned DetectPUA ScanPE ScanELF ScanMail
                ScanPartialMessages PhishingSignatures PhishingScanURLs HeuristicAlerts HeuristicScanPrecedence
                StructuredDataDetection StructuredSSNFormatNormal StructuredSSNFormatStripped ScanHTML ScanOLE2
                AlertBrokenExecutables AlertBrokenMedia AlertEncrypted StructuredCCOnly AlertEncryptedArchive
                AlertEncryptedDoc AlertOLE2Macros AlertPhishingSSLMismatch AlertPhishingCloak AlertPartitionIntersection
                ScanPDF ScanSWF ScanXMLDOCS ScanHWP3 ScanOneNote ScanArchive ScanImage ScanImageFuzzyHash ForceToDisk
                OnAccessExcludeRootUID OnAccessDisableDDD OnAccessPrevention OnAccessExtraScanning OnAccessDenyOnError
                DevACOnly DevPerformance DevLiblog DisableCertCheck AlgorithmicDetection BlockMax
                PhishingAlwaysBlockSSLMismatch PhishingAlwaysBlockCloak PartitionIntersection OLE2BlockMacros
                ArchiveBlockEncrypted
                """
            ),
            (
                .number,
                """
                CacheSize FailIfCvdOlderThan MaxConnectionQueueLength StreamMinPort StreamMaxPort MaxThreads
                ReadTimeout CommandReadTimeout SendBufTimeout MaxQueue IdleTimeout MaxDirectoryRecursion SelfCheck
                BytecodeTimeout StructuredMinCreditCardCount StructuredMinSSNCount MaxScanTime MaxRecursion MaxFiles
                MaxPartitions MaxIconsPE MaxRecHWP3 PCREMatchLimit PCRERecMatchLimit OnAccessExcludeUID
                OnAccessCurlTimeout OnAccessMaxThreads OnAccessRetryAttempts DevACDepth
                """
            ),
            (
                .size,
                """
                LogFileMaxSize StreamMaxLength MaxScanSize MaxFileSize MaxEmbeddedPE MaxHTMLNormalize MaxHTMLNoTags
                MaxScriptNormalize MaxZipTypeRcg PCREMaxFileSize OnAccessMaxFileSize
                """
            ),
            (
                .string,
                """
                PreludeAnalyzerName LogFile LogFacility PidFile TemporaryDirectory DatabaseDirectory LocalSocket
                LocalSocketGroup TCPAddr ExcludePath VirusEvent User ExcludePUA IncludePUA OnAccessMountPath
                OnAccessIncludePath OnAccessExcludePath OnAccessExcludeUname
                """
            ),
            (
                .deprecated,
                """
                DetectBrokenExecutables MailMaxRecursion ArchiveMaxScanSize ArchiveMaxRecursion ArchiveMaxFiles
                ArchiveMaxCompressionRatio ArchiveBlockMax ArchiveLimitMemoryUsage MailFollowURLs
                AllowSupplementaryGroups ScanOnAccess
                """
            ),
            (.choice(["TrustSigned", "Paranoid"]), "BytecodeSecurity"),
            (.choice(["Auto", "ForceJIT", "ForceInterpreter", "Test"]), "BytecodeMode"),
            (.port, "TCPSocket"),
            (.mode, "LocalSocketMode"),
        ]
        var table: [String: OptionKind] = [:]
        for (kind, names) in groups {
            for name in names.split(whereSeparator: { $0 == " " || $0 == "\n" }) { table[String(name)] = kind }
        }
        return table
    }()

    /// The known keys by their lowercase spelling, to point out a key in the wrong case.
    fileprivate static let knownKeysByLowercase: [String: String] = Dictionary(
        knownOptions.keys.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
}
