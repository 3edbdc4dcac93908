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
            let verdicts = stream.withContents { service.clamdVerdicts($0) }
            // Before the reply, which lets a client send its next stream at once: that one reuses this memory.
            stream.discard()
            switch verdicts {
            case .success(let verdicts): verdicts.forEach { channel.send(job.format.line("stream", $0)) }
            case .failure(let e): channel.send(job.format.line("stream", "\(e). ERROR"))
            }
        case .descriptor(let fd):
            defer { fd.close() }
            descriptorVerdicts(fd).forEach { channel.send(job.format.line("fd[\(fd.rawValue)]", $0)) }
        case .path(let command, let path):
            var scan = ClamdPathScan(
                service: service, command: command, format: job.format, maxThreads: maxThreads, channel: channel)
            scan.run(path)
        }
    }

    /// The verdicts on a FILDES descriptor, replied as `fd[N]: …`.
    private func descriptorVerdicts(_ fd: FileDescriptor) -> [String] {
        guard case .success(let status) = fd.status(), status.kind == .regular else {
            return ["Not a regular file ERROR"]
        }
        switch MappedFile.map(fd, length: status.size) {
        case .success(let mapped): return withExtendedLifetime(mapped) { service.clamdVerdicts(mapped.bytes) }
        case .failure(let e): return ["\(e). ERROR"]
        }
    }
}

extension ScanService {
    /// `SIGNATURE FOUND` for each detection in one buffer, or `OK`: what clamd replies after the name, honouring
    /// MaxFileSize and MaxScanSize as clamd does (content over either is not scanned: clean, or the limit's
    /// heuristic with AlertExceedsMax).
    func clamdVerdicts(_ data: UnsafeRawBufferPointer, allMatch: Bool = false) -> [String] {
        let limits = self.limits
        if data.count > limits.maxFileSize || data.count > limits.maxScanSize {
            guard limits.alertExceedsMax else { return ["OK"] }
            let limit: ScanLimits.Limit = data.count > limits.maxFileSize ? .maxFileSize : .maxScanSize
            return ["\(limit.heuristicName) FOUND"]
        }
        let detections = scan(data, allMatch: allMatch).detections
        return detections.isEmpty ? ["OK"] : detections.map { "\($0.name) FOUND" }
    }
}
