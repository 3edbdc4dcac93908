import VigilSystem

/// Serialises everything printed while threads scan: each result is one `write`, never interleaved, and the
/// progress line on standard error is erased before a result line so the terminal stays readable.
final class OutputSink: @unchecked Sendable {
    private struct State {
        var progressShown = false
        var files = 0
        var bytes = 0
    }

    private let state = Locked(State())
    private let showProgress: Bool
    private let started = monotonicSeconds()

    init(showProgress: Bool) { self.showProgress = showProgress }

    /// Writes `text` to standard output and counts the file for the progress line.
    func emit(_ text: [UInt8], bytes: Int, countsAsFile: Bool) {
        state.withLock { s in
            if countsAsFile {
                s.files += 1
                s.bytes += bytes
            }
            guard !text.isEmpty else { return }
            Self.erase(&s)
            text.withUnsafeBytes { _ = FileDescriptor.standardOutput.writeAll($0) }
        }
    }

    private static func erase(_ s: inout State) {
        if s.progressShown { FileDescriptor.standardError.writeAll("\r\u{1B}[K") }
        s.progressShown = false
    }

    /// Redraws the progress line: files, data, rate.
    func drawProgress() {
        guard showProgress else { return }
        state.withLock { s in
            let elapsed = max(monotonicSeconds() - started, 0.001)
            let line =
                "\r\u{1B}[K\(s.files) files, \(ScanSummary.mebibytes(s.bytes)) MB, "
                + "\(fixed(Double(s.bytes) / 1_048_576 / elapsed, digits: 1)) MB/s"
            FileDescriptor.standardError.writeAll(line)
            s.progressShown = true
        }
    }

    /// Erases the progress line for good.
    func finishProgress() {
        state.withLock { Self.erase(&$0) }
    }
}
