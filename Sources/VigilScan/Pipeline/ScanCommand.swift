import Dispatch
import VigilDatabase
import VigilEngine
import VigilSystem

/// Runs `vigil scan`: loads the database, walks the paths on this thread while worker threads read and scan,
/// prints a line per file and the summary. Returns the exit status (0 clean, 1 found, 2 error).
public enum ScanCommand {
    private enum Job: Sendable {
        case file(path: FilePath, followLink: Bool)
        case standardInput
    }

    /// Runs a scan as configured and returns the process exit status.
    public static func run(_ configuration: ScanConfiguration) -> Int32 {
        let errorOutput = FileDescriptor.standardError
        let exclude: [PathPattern]
        let excludeDirectories: [PathPattern]
        let database: LoadedDatabase
        do {
            exclude = try configuration.exclude.map { (p: String) throws(ScanError) in try PathPattern(p) }
            excludeDirectories = try configuration.excludeDirectories.map { (p: String) throws(ScanError) in
                try PathPattern(p)
            }
            database = try DatabaseLoader.load(
                DatabaseLoader.defaultPaths(explicit: configuration.databases),
                detectPUA: configuration.detectPUA, externals: configuration.externals)
        } catch {
            errorOutput.writeAll("ERROR: \(error)\n")
            return 2
        }
        for warning in database.warnings { errorOutput.writeAll("WARNING: \(warning)\n") }

        let showProgress = configuration.progress && !configuration.json && errorOutput.isTerminal
        let sink = OutputSink(showProgress: showProgress)
        var initial = ScanSummary()
        initial.start = wallClockSeconds()
        initial.knownSignatures = database.engine.signatureCount
        initial.databaseModified = database.newestModification
        let summary = Locked(initial)
        let queue = BlockingQueue<Job>(capacity: 4 * max(1, configuration.jobs))
        let group = DispatchGroup()
        for _ in 0..<max(1, configuration.jobs) {
            DispatchQueue.global().async(group: group) {
                var scanner = Scanner(engine: database.engine)
                let reader = ContentReader(
                    maxFileSize: configuration.limits.maxFileSize, maxScanSize: configuration.limits.maxScanSize)
                while let job = queue.pop() {
                    let (result, counts) = process(job, reader: reader, scanner: &scanner, configuration)
                    report(result, counts: counts, configuration, sink: sink, summary: summary)
                }
            }
        }
        sink.drawProgress()
        let ticker = showProgress ? startTicker(sink) : nil

        let walker = TreeWalker(
            followSymlinks: configuration.followSymlinks, exclude: exclude, excludeDirectories: excludeDirectories)
        for path in configuration.paths {
            if path == "-" {
                queue.push(.standardInput)
                continue
            }
            walker.walk(path) { event in
                switch event {
                case .file(let path, let followLink): queue.push(.file(path: path, followLink: followLink))
                case .directory: summary.withLock { $0.directories += 1 }
                case .notice(let path, let text):
                    report(
                        FileResult(path: path, status: .skipped(text)), counts: nil, configuration, sink: sink,
                        summary: summary)
                case .error(let path, let reason):
                    report(
                        FileResult(path: path, status: .error(reason)), counts: nil, configuration, sink: sink,
                        summary: summary)
                }
            }
        }
        queue.close()
        group.wait()
        ticker?.cancel()
        sink.finishProgress()

        var final = summary.withLock { $0 }
        final.end = wallClockSeconds()
        if configuration.summary {
            sink.emit(Array((configuration.json ? final.json : final.text).utf8), bytes: 0, countsAsFile: false)
        }
        return final.exitCode
    }

    /// Bytes scanned and read for one file; `nil` when the file does not count as scanned.
    private typealias Counts = (scanned: Int, read: Int)?

    private static func process(
        _ job: Job, reader: ContentReader, scanner: inout Scanner,
        _ configuration: ScanConfiguration
    ) -> (FileResult, Counts) {
        let path: FilePath
        let outcome: ReadOutcome
        switch job {
        case .file(let p, let followLink):
            path = p
            outcome = reader.read(path: p, followLink: followLink)
        case .standardInput:
            path = "stdin"
            outcome = reader.readStandardInput()
        }
        switch outcome {
        case .content(let count, let size):
            let detections = scanner.scan(
                reader.content(count), allMatch: configuration.allMatch,
                limits: configuration.limits, yaraDetails: configuration.json)
            let status: FileResult.Status = detections.isEmpty ? .clean : .infected(detections)
            return (FileResult(path: path, status: status, size: size), (count, count))
        case .empty:
            // clamscan skips empty files; YARA evaluates its rules on them (`filesize == 0` holds).
            let detections =
                scanner.engine.yara == nil
                ? [] : [UInt8]().withUnsafeBytes { scanner.scan($0, allMatch: configuration.allMatch) }
            guard !detections.isEmpty else {
                return (FileResult(path: path, status: .skipped("Empty file"), size: 0), nil)
            }
            return (FileResult(path: path, status: .infected(detections), size: 0), (0, 0))
        case .overLimit(let size):
            // Too large to scan: silently clean, or with --alert-exceeds-max the limit as a detection.
            guard configuration.limits.alertExceedsMax else {
                return (FileResult(path: path, status: .clean, size: size), (0, 0))
            }
            let limit: ScanLimits.Limit = size > configuration.limits.maxFileSize ? .maxFileSize : .maxScanSize
            let detection = Detection(name: limit.heuristicName, kind: .heuristic)
            return (FileResult(path: path, status: .infected([detection]), size: size), (0, 0))
        case .failure(let reason): return (FileResult(path: path, status: .error(reason)), nil)
        }
    }

    private static func report(
        _ result: FileResult, counts: Counts, _ configuration: ScanConfiguration,
        sink: OutputSink, summary: Locked<ScanSummary>
    ) {
        summary.withLock { s in
            if let counts {
                s.files += 1
                s.bytesScanned += counts.scanned
                s.bytesRead += counts.read
            }
            if case .infected = result.status { s.infected += 1 }
            if case .error = result.status { s.errors += 1 }
        }
        let text =
            configuration.json
            ? Array(ResultFormat.json(result, infectedOnly: configuration.infectedOnly).utf8)
            : ResultFormat.text(result, infectedOnly: configuration.infectedOnly)
        sink.emit(text, bytes: counts?.read ?? 0, countsAsFile: counts != nil)
    }

    private static func startTicker(_ sink: OutputSink) -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "vigil.progress"))
        timer.schedule(deadline: .now() + .milliseconds(250), repeating: .milliseconds(250))
        timer.setEventHandler { sink.drawProgress() }
        timer.resume()
        return timer
    }
}
