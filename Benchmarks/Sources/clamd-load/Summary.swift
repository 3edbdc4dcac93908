import Glibc

/// The run's figures, merged from every client after they have all finished.
struct Summary {
    /// Scans attempted.
    let scans: Int
    /// Scans that failed (any ``Failure``).
    let errors: Int
    /// Failures per kind, e.g. `connect=3 closed=1`.
    let failureCounts: String
    /// The result line: `key=value` pairs, easy for scripts to pick apart.
    let line: String

    init(clients: [Client], wall: Double, payloadSize: Int) {
        var latencies = clients.flatMap(\.latencies)
        latencies.sort()
        let failures = clients.reduce(into: [Int](repeating: 0, count: Failure.allCases.count)) { total, client in
            for (kind, count) in client.failures.enumerated() { total[kind] += count }
        }
        errors = failures.reduce(0, +)
        scans = latencies.count + errors
        failureCounts = Failure.allCases.filter { failures[$0.rawValue] > 0 }
            .map { "\($0.name)=\(failures[$0.rawValue])" }.joined(separator: " ")
        /// Nearest rank: the smallest latency at or above the fraction `p` of the sorted latencies, in ms.
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let rank = max(1, Int((p * Double(latencies.count)).rounded(.up)))
            return Double(latencies[min(rank, latencies.count) - 1]) / 1e6
        }
        let rate = Double(latencies.count) / wall
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Self.seconds(usage.ru_utime) + Self.seconds(usage.ru_stime)
        line = [
            "scans=\(scans)", "errors=\(errors)", "wall_s=\(Self.format(wall, 3))",
            "scans_per_s=\(Self.format(rate, 1))",
            "mib_per_s=\(Self.format(rate * Double(payloadSize) / 1_048_576, 2))",
            "p50_ms=\(Self.format(percentile(0.50), 3))", "p99_ms=\(Self.format(percentile(0.99), 3))",
            "max_ms=\(Self.format(percentile(1), 3))", "client_cpu_s=\(Self.format(cpu, 2))",
        ].joined(separator: " ")
    }

    static func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }

    /// `value` with `digits` decimals, without Foundation.
    static func format(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        let whole = scaled / Int(scale)
        guard digits > 0 else { return "\(whole)" }
        let fraction = String(abs(scaled % Int(scale)))
        return "\(scaled < 0 && whole == 0 ? "-" : "")\(whole)."
            + String(repeating: "0", count: digits - fraction.count)
            + fraction
    }
}

/// Sends `zCOMMAND\0`, prints the reply (up to its NUL, or all that came before the server closed), and
/// returns the exit status: 0 when the exchange worked, 1 when not.
func sendCommand(_ command: String, to address: Address, timeout seconds: Double) -> Int32 {
    let whole = seconds.rounded(.down)
    let timeout = timeval(tv_sec: Int(whole), tv_usec: Int((seconds - whole) * 1e6))
    var connection: Connection
    switch Connection.open(address, timeout: timeout) {
    case .success(let opened): connection = opened
    case .failure(let error):
        writeError("clamd-load: connect: \(error)\n")
        return 1
    }
    defer { connection.close() }
    if let error = Array("z\(command)\0".utf8).withUnsafeBytes({ connection.send($0) }) {
        writeError("clamd-load: send: \(error)\n")
        return 1
    }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
    defer { buffer.deallocate() }
    switch connection.receiveReply(into: buffer) {
    case .success(let length):
        print(String(decoding: UnsafeRawBufferPointer(rebasing: buffer[..<length]), as: UTF8.self))
        return 0
    case .failure(let error) where error.kind == .closed && error.message.hasPrefix("connection closed"):
        return 0  // SHUTDOWN, for one, has no reply
    case .failure(let error):
        writeError("clamd-load: \(error.kind.name): \(error.message)\n")
        return 1
    }
}
