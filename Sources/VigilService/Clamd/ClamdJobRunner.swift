import VigilEngine
import VigilSystem

/// Runs clamd jobs on a scanning thread and words their replies as clamd 1.4 does.
struct ClamdJobRunner: Sendable {
    let service: ScanService
    /// `MaxThreads`: the most threads one MULTISCAN uses.
    let maxThreads: Int

    /// Runs `job`, sending its replies to `channel`.
    func run(_ job: ClamdJob, _ channel: ReplyChannel) {
        switch job.work {
        case .stream(let stream):
            let verdict = stream.withContents { service.clamdReplies(name: "stream", $0) }
            switch verdict {
            case .success(let lines): lines.forEach { channel.send(job.format.line($0)) }
            case .failure(let e): channel.send(job.format.line("stream: \(e). ERROR"))
            }
        case .descriptor(let fd):
            defer { fd.close() }
            descriptorLines(fd).forEach { channel.send(job.format.line($0)) }
        case .path(let command, let path):
            var scan = ClamdPathScan(
                service: service, command: command, format: job.format, maxThreads: maxThreads, channel: channel)
            scan.run(path)
        }
    }

    /// The reply for a FILDES descriptor (`fd[N]: …`).
    private func descriptorLines(_ fd: FileDescriptor) -> [String] {
        let name = "fd[\(fd.rawValue)]"
        guard case .success(let status) = fd.status(), status.kind == .regular else {
            return ["\(name): Not a regular file ERROR"]
        }
        switch MappedFile.map(fd, length: status.size) {
        case .success(let mapped): return withExtendedLifetime(mapped) { service.clamdReplies(name: name, mapped.bytes) }
        case .failure(let e): return ["\(name): \(e). ERROR"]
        }
    }
}

extension ScanService {
    /// `NAME: SIGNATURE FOUND` or `NAME: OK` for one buffer, honouring MaxFileSize and MaxScanSize as clamd does
    /// (content over either is not scanned: clean, or the limit's heuristic with AlertExceedsMax).
    func clamdReplies(name: String, _ data: UnsafeRawBufferPointer, allMatch: Bool = false) -> [String] {
        let limits = self.limits
        if data.count > limits.maxFileSize || data.count > limits.maxScanSize {
            guard limits.alertExceedsMax else { return ["\(name): OK"] }
            let limit: ScanLimits.Limit = data.count > limits.maxFileSize ? .maxFileSize : .maxScanSize
            return ["\(name): \(limit.heuristicName) FOUND"]
        }
        let detections = scan(data, allMatch: allMatch).detections
        return detections.isEmpty ? ["\(name): OK"] : detections.map { "\(name): \($0.name) FOUND" }
    }
}
